"""Which kept documents of an anchored batch are reviewed, and by whom: pure, recomputable by anyone.

The seed of a batch is `sample_seed(block_hash, batch_root)` = sha256(block hash || batch root), where the
block is one mined after the batch was anchored: no contributor can know at upload time which documents will be
checked, and anyone reproduces the sample from the chain once the block exists. Every hash here is sha256 over
fixed-width big-endian fields (32 bytes for a seed, a hash or an integer, 20 for an address), as Solidity's
`abi.encodePacked` of `bytes32`, `uint256` and `address` lays them out.

- The sample: every candidate (a kept document: contribution id, record index, contributor) is ranked by
  sha256(seed || contribution id || record); the ceil(`SAMPLE_RATE_BPS` x n) lowest are taken, then each
  contributor of the batch not yet sampled this epoch (`covered`) and not in that cut gets their lowest-ranked
  candidate, so everyone is checked at least once an epoch, however little they upload.
- The reviewers: `REVIEWS_PER_DOCUMENT` distinct eligible addresses, never the document's contributor, drawn
  from the m eligible addresses sorted by lower-case address: draw i = 0, 1, ... picks index sha256(seed ||
  contribution id || record || i) mod m, repeats and the contributor skipped. Each document costs a few
  hashes however many reviewers there are, so `polyphony verify epoch` recomputes an epoch's assignments in
  time linear in its reviews. With fewer than `REVIEWS_PER_DOCUMENT` eligible reviewers the document waits
  (None).
- The outcome: `majority` of the reviews; a document rejected by it is dropped as a gate failure drops it.
"""

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BPS = 10_000
SAMPLE_RATE_BPS = 200
REVIEWS_PER_DOCUMENT = 3
ACCEPTED = "accepted"
REJECTED = "rejected"
# The reasons a review may reject a document for, in the words a reviewer picks them by.
REJECT_REASONS = ("spam", "machine-generated", "copied", "wrong-language", "personal-data", "license")


@dataclass(frozen=True)
class Candidate:
    """A kept document of an anchored batch: its contribution, its record index in it, and who contributed it."""

    contribution_id: int
    record: int
    contributor: str


def sample_seed(block_hash: bytes, batch_root: bytes) -> bytes:
    """The batch's sampling seed: sha256(block hash || batch root), both 32 bytes."""
    return hashlib.sha256(_word(block_hash) + _word(batch_root)).digest()


def sample_rank(seed: bytes, candidate: Candidate) -> bytes:
    """Where `candidate` ranks in its batch's sample (lowest first): sha256(seed || contribution id || record)."""
    return hashlib.sha256(_word(seed) + _uint(candidate.contribution_id) + _uint(candidate.record)).digest()


def sampled_documents(
    seed: bytes, candidates: Sequence[Candidate], *, rate_bps: int = SAMPLE_RATE_BPS,
    covered: frozenset[str] = frozenset(),
) -> list[Candidate]:  # fmt: skip
    """The sample of a batch: the `rate_bps` lowest-ranked candidates, then one for each contributor not covered.

    `covered` holds the (lower-case) contributors already sampled this epoch. The result is in rank order and
    does not depend on the order of `candidates`.
    """
    ranked = sorted(set(candidates), key=lambda candidate: (sample_rank(seed, candidate), _identity(candidate)))
    cut = -(-rate_bps * len(ranked) // BPS)
    sample = ranked[:cut]
    seen = {contributor.lower() for contributor in covered} | {candidate.contributor.lower() for candidate in sample}
    for candidate in ranked[cut:]:
        if candidate.contributor.lower() not in seen:
            seen.add(candidate.contributor.lower())
            sample.append(candidate)
    return sample


def assigned_reviewers(
    seed: bytes, candidate: Candidate, eligible: Sequence[str], *, reviews_per_document: int = REVIEWS_PER_DOCUMENT
) -> list[str] | None:
    """The reviewers of `candidate`, in draw order, as `eligible` spells them; None while too few are eligible."""
    pool, lowered = _pool(tuple(eligible))
    contributor = candidate.contributor.lower()
    if len(pool) - (contributor in lowered) < reviews_per_document:
        return None
    prefix = _word(seed) + _uint(candidate.contribution_id) + _uint(candidate.record)
    picked: list[int] = []
    draw = 0
    while len(picked) < reviews_per_document:
        index = int.from_bytes(hashlib.sha256(prefix + _uint(draw)).digest(), "big") % len(pool)
        if index not in picked and pool[index][0] != contributor:
            picked.append(index)
        draw += 1
    return [pool[index][1] for index in picked]


@functools.lru_cache(maxsize=8)
def _pool(eligible: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The eligible addresses once each, sorted by lower-case address as (lower case, as given), and the set.

    Cached: a batch assigns all its documents from the same list.
    """
    pool = tuple(sorted({address.lower(): address for address in eligible}.items()))
    return pool, frozenset(lower for lower, _ in pool)


def majority(outcomes: Iterable[str | None]) -> str | None:
    """`REJECTED` when most of a document's reviews reject it, `ACCEPTED` when most accept, else None (pending).

    A review is `ACCEPTED`, or a rejection: `REJECTED` or any of `REJECT_REASONS`; None is a review not in yet.
    """
    cast = [outcome for outcome in outcomes if outcome is not None]
    unknown = set(cast) - {ACCEPTED, REJECTED, *REJECT_REASONS}
    if unknown:
        raise ValueError(
            f"a review is {ACCEPTED!r} or a rejection ({', '.join(REJECT_REASONS)}): not {sorted(unknown)}"
        )
    rejections = sum(1 for outcome in cast if outcome != ACCEPTED)
    needed = REVIEWS_PER_DOCUMENT // 2 + 1
    if rejections >= needed:
        return REJECTED
    if len(cast) - rejections >= needed:
        return ACCEPTED
    return None


def _identity(candidate: Candidate) -> tuple[int, int, str]:
    """A total order behind the rank, for the (astronomically unlikely) equal hashes."""
    return candidate.contribution_id, candidate.record, candidate.contributor.lower()


def _word(value: bytes) -> bytes:
    """`value` as one 32-byte word: a seed, block hash or root."""
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return value


def _uint(value: int) -> bytes:
    """`value` as a uint256."""
    return value.to_bytes(32, "big")
