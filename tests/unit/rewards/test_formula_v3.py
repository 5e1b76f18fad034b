"""Formula /3 on tiny inline epochs: credibility and demand multiply, the bounds hold, the reviewers' share,
the budget never exceeded, and /2 still recomputing as it did."""

import json
import random
from dataclasses import replace
from typing import Any

from governance.reviews.credibility import (
    CREDIBILITY_START_BPS,
    REVIEW_PARAMS,
    ReviewerTally,
    ReviewParams,
    credibility_bps,
)
from governance.reviews.sampling import ACCEPTED, Candidate, majority, sample_seed, sampled_documents
from governance.rewards.explained import _terms
from governance.rewards.formula import (
    BPS,
    DEMAND_DIVERSITY_CAP_BPS,
    FORMULA_CONSTANTS,
    FORMULA_V2,
    FORMULA_V3,
    FORMULA_VERSION,
    INPUT_FIELDS,
    Corpus,
    RewardInput,
    allocate,
    allocate_reviewers,
    reviewer_budget,
    terms_of,
)
from governance.rewards.report import EpochInputs, compute, inputs_from_report
from tests.unit.rewards.inputs import ALICE, BOB, CAROL, FIXTURES, NO_CORPUS, reward_input


def item(cid: int, who: str = ALICE, **overrides: Any) -> RewardInput:
    return reward_input(
        cid, who, defaults={"size": 6_000, "records": 10, "kept_records": 10, "kept_words": 1_000}, overrides=overrides
    )


def test_an_epoch_closed_under_formula_2_still_recomputes_byte_for_byte() -> None:
    pinned = (FIXTURES / "epoch_report_v2.json").read_bytes()  # written by the /2 code before /3 existed
    report = json.loads(pinned)
    assert report["formula"]["version"] == FORMULA_V2 and FORMULA_VERSION == FORMULA_V3
    again = compute(inputs_from_report(report, base={CAROL: 10**18, "0x" + "f6" * 20: 7}))
    assert again.report == pinned
    assert all("credibility_bps" not in entry for entry in report["contributions"])


def test_credibility_multiplies_the_weight_by_its_square() -> None:
    split = allocate([item(1, ALICE), item(2, BOB, credibility_bps=5_000)], budget=10_000, contributor_cap=10_000,
                     corpus=NO_CORPUS, version=FORMULA_V3)  # fmt: skip
    assert split.terms[2]["credibility_multiplier_bps"] == 2_500
    assert split.terms[1]["credibility_bps"] == CREDIBILITY_START_BPS  # never sampled: full credibility
    assert split.amounts == {1: 7_840, 2: 1_960}  # 9,800 after the reviewers' 2 %, split 4:1


def test_demand_multiplies_diversity_and_their_product_is_capped() -> None:
    corpus = Corpus.of([("en", "text")] * 9 + [("sw", "text")])
    yoruba_audio = terms_of(item(1, language="yo", modality="audio", demand_bps=20_000), corpus, FORMULA_V3)
    assert yoruba_audio["diversity_bps"] == 2 * BPS
    assert yoruba_audio["demand_diversity_bps"] == DEMAND_DIVERSITY_CAP_BPS
    english = terms_of(item(2, demand_bps=15_000), corpus, FORMULA_V3)
    assert english["demand_diversity_bps"] == english["diversity_bps"] * 15_000 // BPS
    assert terms_of(item(3), corpus, FORMULA_V3)["demand_diversity_bps"] == terms_of(item(3), corpus)["diversity_bps"]


def test_the_multiplier_stays_within_the_bounds_governance_sets() -> None:
    params = ReviewParams(multiplier_floor_bps=500, multiplier_ceiling_bps=9_000)
    for credibility in range(0, BPS + 1, 250):
        terms = terms_of(item(1, credibility_bps=credibility), NO_CORPUS, FORMULA_V3, review=params)
        assert 500 <= terms["credibility_multiplier_bps"] <= 9_000


def test_under_formula_3_the_reviewers_share_comes_off_the_budget_first() -> None:
    assert reviewer_budget(1_000_000, FORMULA_V3) == 1_000_000 * REVIEW_PARAMS.reviewer_share_bps // BPS
    assert reviewer_budget(1_000_000, FORMULA_V2) == 0
    split = allocate([item(1)], budget=1_000_000, contributor_cap=1_000_000, corpus=NO_CORPUS, version=FORMULA_V3)
    assert split.allocated == 1_000_000 - reviewer_budget(1_000_000, FORMULA_V3)
    reviewers = allocate_reviewers([ReviewerTally(CAROL, 5, 50, 50)], budget=1_000_000)
    assert reviewers == {CAROL: reviewer_budget(1_000_000, FORMULA_V3)}
    assert allocate_reviewers([], budget=1_000_000) == {}  # no review landed: the share is left unallocated


def test_the_budget_is_never_exceeded_on_random_epochs_of_formula_3() -> None:
    generator = random.Random(19)
    for _ in range(200):
        people = [f"0x{generator.getrandbits(160):040x}" for _ in range(generator.randint(1, 8))]
        items = [
            item(i, generator.choice(people), score=generator.randint(0, 10_000),
                 kept_words=generator.randint(0, 10**6),
                 credibility_bps=generator.choice([None, generator.randint(0, BPS)]),
                 demand_bps=generator.choice([None, generator.randint(0, 50_000)]))
            for i in range(generator.randint(1, 30))
        ]  # fmt: skip
        budget = generator.randint(0, 10**24)
        cap = generator.randint(0, budget)
        split = allocate(items, budget=budget, contributor_cap=cap, corpus=NO_CORPUS, version=FORMULA_V3)
        tallies = [ReviewerTally(who, generator.randint(0, 50), generator.randint(0, 50), 50) for who in people]
        reviewers = allocate_reviewers(tallies, budget=budget)
        assert sum(split.amounts.values()) == split.allocated <= budget - reviewer_budget(budget, FORMULA_V3)
        assert split.allocated + sum(reviewers.values()) <= budget
        assert all(0 <= amount <= cap for amount in split.contributors.values())


def test_a_report_of_formula_3_lists_credibility_and_demand_and_recomputes() -> None:
    listed = item(1, credibility_bps=4_000, demand_bps=12_000).to_json(FORMULA_V3)
    assert (listed["credibility_bps"], listed["demand_bps"]) == (4_000, 12_000)
    assert INPUT_FIELDS[FORMULA_V3][-2:] == ("credibility_bps", "demand_bps")
    assert RewardInput.from_json(listed, FORMULA_V3) == item(1, credibility_bps=4_000, demand_bps=12_000)
    assert RewardInput.from_json(item(2).to_json(FORMULA_V2), FORMULA_V3).credibility_bps is None  # /2 inputs load
    assert FORMULA_CONSTANTS[FORMULA_V3]["alpha_reject_bps"] == REVIEW_PARAMS.alpha_reject_bps
    assert all(isinstance(value, int) and value < 2**53 for value in FORMULA_CONSTANTS[FORMULA_V3].values())
    inputs = EpochInputs(
        number=1, cutoff="2026-03-01T00:00:00+00:00", budget=10**21, contributor_cap=10**21, chain_id=31337,
        distributor="0x" + "d4" * 20, token="0x" + "e5" * 20, corpus=NO_CORPUS, base={},
        items=[item(1, credibility_bps=4_000, demand_bps=12_000), item(2, BOB)], formula_version=FORMULA_V3,
    )  # fmt: skip
    outcome = compute(inputs)
    report = json.loads(outcome.report)
    assert report["formula"]["constants"] == FORMULA_CONSTANTS[FORMULA_V3]
    assert compute(inputs_from_report(report, base={})).report == outcome.report
    report["contributions"][0]["credibility_bps"] = 10_000
    assert compute(inputs_from_report(report, base={})).report != outcome.report


def test_filler_that_passes_the_gates_loses_credibility_and_earnings_once_its_samples_are_rejected() -> None:
    # Alice and Bob upload alike each epoch; two of three reviewers reject Bob's filler, all accept Alice's.
    credibility = {ALICE: CREDIBILITY_START_BPS, BOB: CREDIBILITY_START_BPS}
    bob_pay = []
    for epoch in range(1, 6):
        uploads = [item(2 * epoch, ALICE), item(2 * epoch + 1, BOB)]
        items = [replace(upload, credibility_bps=credibility[upload.contributor]) for upload in uploads]
        split = allocate(items, budget=1_000_000, contributor_cap=1_000_000, corpus=NO_CORPUS, version=FORMULA_V3)
        bob_pay.append(split.contributors[BOB])
        candidates = [Candidate(u.contribution_id, record, u.contributor) for u in uploads for record in range(10)]
        for sampled in sampled_documents(sample_seed(bytes([epoch]) * 32, bytes(32)), candidates):
            outcome = majority([ACCEPTED] * 3 if sampled.contributor == ALICE else ["spam", ACCEPTED, "copied"])
            assert outcome is not None
            credibility[sampled.contributor] = credibility_bps(credibility[sampled.contributor], [outcome])
    assert credibility[ALICE] == CREDIBILITY_START_BPS and credibility[BOB] < 500
    assert bob_pay[0] == 490_000  # paid in full the epoch it uploaded: nothing is taken back
    assert bob_pay == sorted(bob_pay, reverse=True) and bob_pay[-1] < bob_pay[0] // 100


def test_every_term_of_formula_3_is_explained_in_words() -> None:
    recorded = terms_of(item(1, credibility_bps=5_000, demand_bps=12_000), NO_CORPUS, FORMULA_V3)
    explained = {term.name: term.meaning for term in _terms(recorded, version=FORMULA_V3)}
    assert set(explained) == set(recorded)
    assert "credibility multiplier" in explained["weight"]
    assert "credibility" not in {term.name: term.meaning for term in _terms(recorded, version=FORMULA_V2)}["weight"]
