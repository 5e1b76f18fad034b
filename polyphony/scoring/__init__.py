"""Quality scoring, pure: bytes and a policy in, an Analysis and a ScoreReport out; no database, storage or queue.

`analyse` measures what the bytes alone tell; the caller asks the shared near-duplicate index with the Analysis's
hashes and band keys, then `finalise` scores with what it found. `report_bytes` is what `verify score` compares.
"""

from polyphony.scoring.minhash import minhash_similarity_bp
from polyphony.scoring.pipeline import analyse, finalise
from polyphony.scoring.policy import (
    Policy,
    UnknownPolicy,
    current_policy,
    load_policy,
    policy_and_hash,
    policy_document,
    policy_hash,
)
from polyphony.scoring.results import Analysis, Dimension, Duplicates, ScoreReport, report_bytes

__all__ = [
    "Analysis",
    "Dimension",
    "Duplicates",
    "Policy",
    "ScoreReport",
    "UnknownPolicy",
    "analyse",
    "current_policy",
    "finalise",
    "load_policy",
    "minhash_similarity_bp",
    "policy_and_hash",
    "policy_document",
    "policy_hash",
    "report_bytes",
]
