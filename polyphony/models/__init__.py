"""Every table, one file per aggregate. Alembic's env.py imports this package to see them all."""

from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt, TxStatus
from polyphony.models.contribution import (
    AnchorBatch,
    BatchStatus,
    Contribution,
    ContributionEvent,
    ContributionStatus,
    Tombstone,
)
from polyphony.models.dataset import Dataset, DatasetItem, Model
from polyphony.models.epoch import ClaimStatus, Epoch, EpochBalance, EpochReward, EpochStatus, RewardClaim
from polyphony.models.indexer import ChainEvent, IndexerCheckpoint, IndexerCursor
from polyphony.models.job import PendingJob
from polyphony.models.proposal import Proposal, RelayedBallot, RelayedDelegation, RelayStatus
from polyphony.models.review import BatchSampling, Review, ReviewAssignment, Reviewer, ReviewSample, SampleOutcome
from polyphony.models.score import ContributionScore, ScoringPolicy, Verdict

__all__ = [
    "AnchorBatch",
    "BatchSampling",
    "BatchStatus",
    "ChainEvent",
    "ChainTransaction",
    "ChainTransactionAttempt",
    "ClaimStatus",
    "Contribution",
    "ContributionEvent",
    "ContributionScore",
    "ContributionStatus",
    "Dataset",
    "DatasetItem",
    "Epoch",
    "EpochBalance",
    "EpochReward",
    "EpochStatus",
    "IndexerCheckpoint",
    "IndexerCursor",
    "Model",
    "PendingJob",
    "Proposal",
    "RelayStatus",
    "RelayedBallot",
    "RelayedDelegation",
    "Review",
    "ReviewAssignment",
    "ReviewSample",
    "Reviewer",
    "RewardClaim",
    "SampleOutcome",
    "ScoringPolicy",
    "Tombstone",
    "TxStatus",
    "Verdict",
]
