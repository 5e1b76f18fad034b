"""Every table, one file per aggregate. Alembic's env.py imports this package to see them all."""

from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt, TxStatus
from polyphony.models.indexer import ChainEvent, IndexerCheckpoint, IndexerCursor
from polyphony.models.job import PendingJob

__all__ = [
    "ChainEvent",
    "ChainTransaction",
    "ChainTransactionAttempt",
    "IndexerCheckpoint",
    "IndexerCursor",
    "PendingJob",
    "TxStatus",
]
