"""The recomputation of an epoch's review inputs from the samples and reviews its report lists: credibility in
decided order, each reviewer's tally, each outcome the majority of its reviews; a tampered figure is named."""

from dataclasses import replace

from governance.reviews.credibility import ReviewerTally
from governance.reviews.evidence import (
    PENDING,
    ReviewEvidence,
    ReviewInputsEvidence,
    SampleEvidence,
    evidence_differences,
    recomputed_credibility,
    recomputed_tallies,
)

CUTOFF = "2026-01-01T12:00:00+00:00"
FARMER, HONEST = "0x" + "f1" * 20, "0x" + "a2" * 20
CAREFUL, CARELESS, OTHER = "0x" + "c3" * 20, "0x" + "d4" * 20, "0x" + "e5" * 20


def _sample(sample_id: int, contributor: str, outcome: str, at: str | None) -> SampleEvidence:
    return SampleEvidence(sample_id, 100 + sample_id, 0, contributor, outcome, at)


def _votes(sample_id: int, accepts: dict[str, bool], *, in_epoch: bool = True) -> list[ReviewEvidence]:
    return [
        ReviewEvidence(sample_id, who, accept, "" if accept else "spam", None, in_epoch)
        for who, accept in accepts.items()
    ]


EVIDENCE = ReviewInputsEvidence(
    samples=[
        _sample(1, FARMER, "rejected", "2026-01-01T10:00:00+00:00"),
        _sample(2, HONEST, "accepted", "2026-01-01T10:30:00+00:00"),
        _sample(3, FARMER, "accepted", "2026-01-01T11:00:00+00:00"),
        _sample(4, HONEST, PENDING, None),
    ],
    reviews=[
        *_votes(1, {CAREFUL: False, OTHER: False, CARELESS: True}),
        *_votes(2, {CAREFUL: True, OTHER: True, CARELESS: True}, in_epoch=False),
        *_votes(3, {CAREFUL: True, OTHER: True}),
        *_votes(4, {CARELESS: True}),
    ],
)
CREDIBILITY = {FARMER: 6_000, HONEST: 10_000}  # halved by the rejection, then 20% of the way back
TALLIES = [
    ReviewerTally(CAREFUL, 2, 3, 3),
    ReviewerTally(CARELESS, 2, 1, 2),
    ReviewerTally(OTHER, 2, 3, 3),
]


def _differences(evidence: ReviewInputsEvidence = EVIDENCE, **overrides: object) -> list[str]:
    figures: dict[str, object] = {"credibility": CREDIBILITY, "tallies": TALLIES} | overrides
    return evidence_differences(evidence, cutoff=CUTOFF, **figures)  # type: ignore[arg-type]


def test_the_listed_samples_and_reviews_give_the_reports_credibility_and_tallies() -> None:
    assert recomputed_credibility(EVIDENCE, [FARMER, HONEST], cutoff=CUTOFF) == CREDIBILITY
    assert recomputed_tallies(EVIDENCE, cutoff=CUTOFF) == sorted(TALLIES, key=lambda tally: tally.address)
    assert _differences() == []


def test_a_tampered_credibility_is_named() -> None:
    found = _differences(credibility={FARMER: 10_000, HONEST: 10_000})
    assert found == [f"contributor {FARMER}: credibility 10000 in the report, 6000 from its samples"]


def test_a_tampered_tally_and_a_reviewer_without_listed_reviews_are_named() -> None:
    inflated = [replace(TALLIES[0], agreed=2), *TALLIES[1:], ReviewerTally("0x" + "99" * 20, 5, 5, 5)]
    found = _differences(tallies=inflated)
    assert f"reviewer {CAREFUL}: reviews/agreed/decided 2/2/3 in the report, 2/3/3 from the reviews listed" in found
    assert f"reviewer 0x{'99' * 20}: missing from the reviews listed" in found


def test_an_outcome_its_reviews_do_not_give_and_an_order_that_is_not_decided_order_are_named() -> None:
    flipped = replace(EVIDENCE, samples=[replace(EVIDENCE.samples[0], outcome="accepted"), *EVIDENCE.samples[1:]])
    assert any("sample 1: accepted in the report, but the majority of its 3 listed reviews is rejected" in found
               for found in _differences(flipped))  # fmt: skip
    swapped = replace(EVIDENCE, samples=[EVIDENCE.samples[2], *EVIDENCE.samples[:2], EVIDENCE.samples[3]])
    assert any("listed out of decided order" in found for found in _differences(swapped))


def test_a_sample_decided_at_the_cutoff_counts_for_agreement_not_yet_for_credibility() -> None:
    at_cutoff = replace(EVIDENCE, samples=[*EVIDENCE.samples[:3], _sample(4, HONEST, "accepted", CUTOFF)],
                        reviews=[*EVIDENCE.reviews[:-1], *_votes(4, {CARELESS: True, OTHER: True})])  # fmt: skip
    assert recomputed_credibility(at_cutoff, [HONEST], cutoff=CUTOFF) == {HONEST: 10_000}
    tallies = {tally.address: tally for tally in recomputed_tallies(at_cutoff, cutoff=CUTOFF)}
    assert (tallies[CARELESS].agreed, tallies[CARELESS].decided) == (2, 3)


def test_the_evidence_reads_back_from_its_listed_form() -> None:
    assert ReviewInputsEvidence.from_json(EVIDENCE.to_json()) == EVIDENCE
