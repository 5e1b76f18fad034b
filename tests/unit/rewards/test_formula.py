"""The reward formula on tiny inline epochs: every term, the caps, the exact split and its determinism."""

import json
import random
from typing import Any

import pytest

from governance.rewards.errors import UnknownFormula
from governance.rewards.formula import (
    BPS,
    BYTES_PER_WORD,
    FORMULA_V1,
    FORMULA_V2,
    SIZE_CAP_BYTES,
    SIZE_CAP_WORDS,
    Corpus,
    RewardInput,
    allocate,
    largest_remainder,
    terms_of,
)
from governance.rewards.report import EpochInputs, compute, first_difference, inputs_from_report
from tests.unit.rewards.inputs import ALICE, BOB, CAROL, FIXTURES, NO_CORPUS, reward_input


def item(cid: int, who: str = ALICE, **overrides: Any) -> RewardInput:
    return reward_input(cid, who, defaults={"size": 1_000}, overrides=overrides)


@pytest.mark.parametrize(
    ("overrides", "term", "expected"),
    [
        ({"verdict": "fail", "score": 9_000}, "score", 0),
        ({"score": 7_000}, "score", 7_000),
        ({"size": 10 * SIZE_CAP_BYTES}, "size", SIZE_CAP_BYTES),
        ({"size": 12}, "size", 12),
        ({"size": 12, "kept_words": 5}, "size", 12),  # /1 knows no documents: bytes decide
        ({"duplicate_of": 3}, "duplicate_share_bps", 0),
        ({}, "duplicate_share_bps", BPS),
        ({}, "diversity_bps", BPS),
    ],
)
def test_each_term_of_formula_1_with_no_approved_corpus(overrides: dict[str, Any], term: str, expected: int) -> None:
    assert terms_of(item(1, **overrides), NO_CORPUS, FORMULA_V1)[term] == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"size": 10**9, "records": 9, "kept_records": 3, "kept_words": 700}, 700),
        ({"size": 10**9, "records": 10**6, "kept_records": 10**6, "kept_words": 10**8}, SIZE_CAP_WORDS),
        ({"size": 10**9, "records": 4, "kept_records": 0, "kept_words": 0}, 0),
        ({"size": 6_000}, 6_000 // BYTES_PER_WORD),  # judged as a whole: its bytes as words
        ({"size": 10 * SIZE_CAP_BYTES}, SIZE_CAP_WORDS),
    ],
)
def test_the_size_of_formula_2_is_the_kept_words_under_a_cap(overrides: dict[str, Any], expected: int) -> None:
    assert terms_of(item(1, **overrides), NO_CORPUS, FORMULA_V2)["size"] == expected


def test_under_formula_2_dropped_documents_earn_nothing() -> None:
    clean = item(1, ALICE, size=10_000, records=10, kept_records=10, kept_words=1_000)
    padded = item(2, BOB, size=90_000, records=100, kept_records=10, kept_words=1_000)
    split = allocate([clean, padded], budget=1_000, contributor_cap=1_000, corpus=NO_CORPUS, version=FORMULA_V2)
    assert split.amounts == {1: 500, 2: 500}
    by_bytes = allocate([clean, padded], budget=1_000, contributor_cap=1_000, corpus=NO_CORPUS, version=FORMULA_V1)
    assert by_bytes.amounts == {1: 100, 2: 900}  # what /1 paid padding, and /2 no longer does


def test_a_whole_upload_weighs_under_formula_2_what_a_fully_kept_text_of_its_size_weighs() -> None:
    image = item(1, ALICE, size=60_000, modality="image")
    text = item(2, BOB, size=60_000, records=40, kept_records=40, kept_words=60_000 // BYTES_PER_WORD)
    assert terms_of(image, NO_CORPUS)["size"] == terms_of(text, NO_CORPUS)["size"]


def test_a_table_weighs_its_bytes_in_the_share_of_its_rows_kept() -> None:
    whole = item(1, ALICE, size=60_000, modality="tabular", records=100, kept_records=100, kept_words=100)
    half = item(2, BOB, size=60_000, modality="tabular", records=100, kept_records=50, kept_words=50)
    assert terms_of(whole, NO_CORPUS)["size"] == 60_000 // BYTES_PER_WORD  # rows are no words: its bytes count
    assert terms_of(half, NO_CORPUS)["size"] == 60_000 // BYTES_PER_WORD // 2


def test_diversity_pays_more_for_what_the_approved_corpus_lacks_and_stays_within_2x() -> None:
    corpus = Corpus.of([("en", "text")] * 9 + [("sw", "text")])
    english, swahili, yoruba_audio = (terms_of(item(1, language=lang, modality=m), corpus)
                                      for lang, m in (("en", "text"), ("sw", "text"), ("yo", "audio")))  # fmt: skip
    assert english["diversity_bps"] < swahili["diversity_bps"] < yoruba_audio["diversity_bps"]
    assert yoruba_audio["diversity_bps"] == 2 * BPS
    assert english["diversity_bps"] == BPS + 5_000 // 10


def test_a_copy_earns_nothing_and_the_original_takes_its_share() -> None:
    split = allocate(
        [item(1), item(2, BOB, duplicate_of=1)],
        budget=1_000,
        contributor_cap=1_000,
        corpus=NO_CORPUS,
        version=FORMULA_V2,
    )
    assert split.amounts == {1: 1_000, 2: 0}


def test_the_cap_is_redistributed_to_the_others_and_left_unallocated_only_when_all_are_capped() -> None:
    items = [item(1, ALICE, score=10_000), item(2, BOB, score=100), item(3, CAROL, score=100)]
    split = allocate(items, budget=1_000, contributor_cap=400, corpus=NO_CORPUS, version=FORMULA_V2)
    assert split.contributors[ALICE] == 400
    assert split.contributors[BOB] + split.contributors[CAROL] == 600
    assert split.capped == frozenset({ALICE}) and split.allocated == 1_000
    everyone_capped = allocate(items, budget=1_000, contributor_cap=100, corpus=NO_CORPUS, version=FORMULA_V2)
    assert everyone_capped.allocated == 300 and set(everyone_capped.contributors.values()) == {100}


def test_largest_remainder_is_exact_and_breaks_ties_by_address() -> None:
    assert largest_remainder(10, [(BOB, 1), (ALICE, 1), (CAROL, 1)]) == {ALICE: 4, BOB: 3, CAROL: 3}
    assert largest_remainder(0, [(ALICE, 1)]) == {ALICE: 0}
    assert largest_remainder(7, [(ALICE, 0)]) == {ALICE: 0}


def test_the_sum_never_exceeds_the_budget_on_random_epochs() -> None:
    generator = random.Random(7)
    for _ in range(200):
        people = [f"0x{generator.getrandbits(160):040x}" for _ in range(generator.randint(1, 8))]
        items = [
            item(i, generator.choice(people), score=generator.randint(0, 10_000), size=generator.randint(0, 3 << 20),
                 duplicate_of=generator.choice([None, None, 1]))
            for i in range(generator.randint(1, 30))
        ]  # fmt: skip
        budget = generator.randint(0, 10**24)
        cap = generator.randint(0, budget)
        split = allocate(items, budget=budget, contributor_cap=cap, corpus=NO_CORPUS, version=FORMULA_V2)
        assert sum(split.amounts.values()) == split.allocated <= budget
        assert all(0 <= amount <= cap for amount in split.contributors.values())


def _inputs(items: list[RewardInput], base: dict[str, int] | None = None, **overrides: Any) -> EpochInputs:
    fields: dict[str, Any] = {
        "number": 3, "cutoff": "2026-01-01T00:00:00+00:00", "budget": 10**21, "contributor_cap": 10**21,
        "chain_id": 31337, "distributor": "0x" + "d4" * 20, "token": "0x" + "e5" * 20,
        "corpus": Corpus.of([("en", "text")]), "items": items, "base": base or {}, "formula_version": FORMULA_V2,
    }  # fmt: skip
    return EpochInputs(**(fields | overrides))


def test_same_inputs_in_any_order_give_the_same_report_bytes_and_root() -> None:
    items = [item(i, [ALICE, BOB, CAROL][i % 3], score=1_000 * i) for i in range(1, 10)]
    first = compute(_inputs(items, {BOB: 5}))
    second = compute(_inputs(list(reversed(items)), {BOB: 5}))
    assert first.report == second.report and first.root == second.root


def test_cumulative_amounts_never_decrease() -> None:
    base = {ALICE: 10**20, "0x" + "f6" * 20: 7}
    outcome = compute(_inputs([item(1, BOB)], base))
    assert all(outcome.cumulative[account] >= amount for account, amount in base.items())
    assert outcome.cumulative_total == sum(base.values()) + outcome.allocation.allocated


def test_a_report_recomputes_to_the_same_bytes_and_a_changed_input_is_named() -> None:
    outcome = compute(_inputs([item(1), item(2, BOB)], {CAROL: 1}))
    report = json.loads(outcome.report)
    again = compute(inputs_from_report(report, base={CAROL: 1}))
    assert again.report == outcome.report
    report["contributions"][1]["score"] = 9_999
    tampered = compute(inputs_from_report(report, base={CAROL: 1}))
    assert first_difference(json.loads(outcome.report), json.loads(tampered.report)) is not None


def test_a_report_of_formula_2_lists_each_inputs_documents_and_more_kept_words_pay_more() -> None:
    outcome = compute(_inputs([item(1, records=5, kept_records=4, kept_words=300), item(2, BOB)]))
    report = json.loads(outcome.report)
    assert report["formula"]["version"] == FORMULA_V2
    assert report["formula"]["constants"]["size_cap_words"] == SIZE_CAP_WORDS
    listed = {entry["contribution_id"]: entry for entry in report["contributions"]}
    assert (listed[1]["records"], listed[1]["kept_records"], listed[1]["kept_words"]) == (5, 4, 300)
    assert (listed[2]["records"], listed[2]["kept_words"], listed[2]["terms"]["size"]) == (None, None, 1_000 // 6)
    assert compute(inputs_from_report(report, base={})).report == outcome.report
    report["contributions"][0]["kept_words"] = 3_000
    tampered = compute(inputs_from_report(report, base={}))
    difference = first_difference(json.loads(outcome.report), json.loads(tampered.report))
    assert difference is not None and difference.startswith("$.contributions[0].amount")


def test_an_epoch_closed_under_formula_1_still_recomputes_byte_for_byte() -> None:
    pinned = (FIXTURES / "epoch_report_v1.json").read_bytes()  # written by the /1 code before /2 existed
    report = json.loads(pinned)
    base = {CAROL: 10**18, "0x" + "f6" * 20: 7}
    again = compute(inputs_from_report(report, base=base))
    assert again.report == pinned
    assert report["formula"]["version"] == FORMULA_V1
    assert all("kept_words" not in entry for entry in report["contributions"])


def test_a_report_of_an_unknown_formula_is_refused_with_its_name() -> None:
    report = json.loads(compute(_inputs([item(1)])).report)
    report["formula"]["version"] = "polyphony-rewards/9"
    with pytest.raises(UnknownFormula, match="polyphony-rewards/9"):
        inputs_from_report(report, base={})
