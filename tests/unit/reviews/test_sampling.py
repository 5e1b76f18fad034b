"""Which documents are reviewed and by whom: determinism, coverage, no self-review, waiting, the majority."""

import hashlib
import random

import pytest

from governance.reviews.sampling import (
    ACCEPTED,
    REJECTED,
    Candidate,
    assigned_reviewers,
    majority,
    sample_seed,
    sampled_documents,
)

BLOCK = bytes.fromhex("ab" * 32)
ROOT = bytes.fromhex("cd" * 32)
SEED = sample_seed(BLOCK, ROOT)
REVIEWERS = [f"0x{index:040x}" for index in range(1, 41)]


def batch(contributors: int = 20, documents: int = 30) -> list[Candidate]:
    """`contributors` uploads of `documents` documents each."""
    return [
        Candidate(cid, record, f"0x{cid:040X}") for cid in range(1, contributors + 1) for record in range(documents)
    ]


def test_the_seed_is_sha256_of_the_block_hash_then_the_batch_root() -> None:
    assert hashlib.sha256(BLOCK + ROOT).digest() == SEED
    with pytest.raises(ValueError, match="32 bytes"):
        sample_seed(b"short", ROOT)


def test_a_sample_is_reproduced_exactly_in_any_input_order() -> None:
    candidates = batch()
    shuffled = list(candidates)
    random.Random(3).shuffle(shuffled)
    assert sampled_documents(SEED, candidates) == sampled_documents(SEED, shuffled)
    assert sampled_documents(sample_seed(BLOCK, ROOT), candidates) == sampled_documents(SEED, candidates)


def test_a_sample_cannot_be_known_before_its_block_another_block_picks_other_documents() -> None:
    candidates = batch(contributors=1, documents=1_000)  # one contributor: the rate alone decides, 20 documents
    samples = {tuple(sampled_documents(sample_seed(bytes([n]) * 32, ROOT), candidates)) for n in range(5)}
    assert len(samples) == 5
    assert all(len(sample) == 20 for sample in samples)


def test_the_rate_is_rounded_up_and_every_contributor_is_sampled_once_an_epoch() -> None:
    candidates = batch(contributors=20, documents=30)  # 600 documents: 12 by the rate, then one per contributor
    sample = sampled_documents(SEED, candidates)
    assert {candidate.contributor for candidate in sample} == {candidate.contributor for candidate in candidates}
    assert 12 <= len(sample) <= 12 + 20
    assert len(sampled_documents(SEED, batch(contributors=1, documents=3))) == 1  # ceil(2 % of 3)


def test_a_contributor_already_sampled_this_epoch_is_not_added_again() -> None:
    candidates = batch(contributors=3, documents=2)
    by_rate = sampled_documents(SEED, candidates, rate_bps=0)
    assert len(by_rate) == 3
    covered = frozenset(candidate.contributor.lower() for candidate in candidates)
    assert sampled_documents(SEED, candidates, rate_bps=0, covered=covered) == []


def test_reviewers_are_three_distinct_never_the_contributor_and_reproducible() -> None:
    for candidate in batch(contributors=40, documents=3):
        eligible = [*REVIEWERS, candidate.contributor.lower()]
        assigned = assigned_reviewers(SEED, candidate, eligible)
        assert assigned is not None and len(set(assigned)) == 3
        assert candidate.contributor.lower() not in {address.lower() for address in assigned}
        assert assigned == assigned_reviewers(SEED, candidate, list(reversed(eligible)))


def test_assignment_depends_on_the_seed_and_spreads_over_the_reviewers() -> None:
    candidate = Candidate(7, 0, "0x" + "77" * 20)
    by_seed = {
        tuple(assigned_reviewers(sample_seed(bytes([n]) * 32, ROOT), candidate, REVIEWERS) or ()) for n in range(30)
    }
    assert len(by_seed) > 20
    assert len({address for assigned in by_seed for address in assigned}) > 30


def test_a_document_waits_while_fewer_than_three_reviewers_are_eligible() -> None:
    candidate = Candidate(1, 0, REVIEWERS[0])
    assert assigned_reviewers(SEED, candidate, REVIEWERS[:3]) is None  # one of the three is its contributor
    assert assigned_reviewers(SEED, candidate, [REVIEWERS[1], REVIEWERS[1].upper(), REVIEWERS[2]]) is None
    assert sorted(assigned_reviewers(SEED, candidate, REVIEWERS[:4]) or []) == REVIEWERS[1:4]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([ACCEPTED, ACCEPTED, ACCEPTED], ACCEPTED),
        ([ACCEPTED, "spam", ACCEPTED], ACCEPTED),
        (["spam", "copied", ACCEPTED], REJECTED),
        (["license", None, "personal-data"], REJECTED),
        ([ACCEPTED, "spam", None], None),
        ([ACCEPTED, None, None], None),
        ([], None),
    ],
)
def test_the_majority_of_three_reviews_decides(outcomes: list[str | None], expected: str | None) -> None:
    assert majority(outcomes) == expected


def test_a_review_that_is_neither_an_acceptance_nor_a_known_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="boring"):
        majority([ACCEPTED, "boring", ACCEPTED])
