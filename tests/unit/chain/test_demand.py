"""The demand multiplier of a contribution: the product of what it matches, in dimension order, bounded."""

import json

import pytest

from chain.demand import Demand, Multiplier, VotedReviewParams, capped_product_bps, demand_bps

REVIEW = VotedReviewParams(10**18, 500, 5_000, 15_000)


def _demand(*multipliers: Multiplier) -> Demand:
    return Demand(
        registry="0x" + "11" * 20, block_number=7, at=1_700_000_000, multipliers=multipliers, topics=("law",),
        review=REVIEW, min_multiplier_bps=5_000, max_multiplier_bps=30_000, max_product_bps=40_000,
    )  # fmt: skip


FR, TEXT = Multiplier("language", "fr", 15_000), Multiplier("modality", "text", 12_000)
CC0, LAW = Multiplier("license", "CC0-1.0", 25_000), Multiplier("topic", "law", 20_000)
HALF_DE = Multiplier("language", "de", 5_000)


@pytest.mark.parametrize(
    ("multipliers", "language", "topic", "expected"),
    [
        ((), "fr", None, 10_000),  # no demand: 1x
        ((FR,), "fr", None, 15_000),
        ((FR,), "FR ", None, 15_000),  # languages compare as the formula writes them
        ((FR,), "de", None, 10_000),
        ((FR, TEXT), "fr", None, 18_000),
        ((LAW,), "fr", None, 10_000),  # no topic declared: a topic multiplier does not apply
        ((LAW,), "fr", "law", 20_000),
        ((FR, TEXT, CC0), "fr", None, 30_000),  # 1.5 x 1.2 x 2.5 = 4.5x, bounded to 3x
        ((HALF_DE, Multiplier("modality", "text", 5_000)), "de", None, 5_000),  # 0.25x, bounded to 0.5x
        ((FR, Multiplier("modality", "text", 10_001)), "fr", None, 15_001),  # each step rounds down
    ],
)
def test_the_demand_multiplier_is_the_bounded_product_of_what_a_contribution_matches(
    multipliers: tuple[Multiplier, ...], language: str, topic: str | None, expected: int
) -> None:
    demand = _demand(*multipliers)
    assert demand_bps(demand, language=language, modality="text", license="CC0-1.0", topic=topic) == expected


def test_demand_times_diversity_is_capped_by_the_registry() -> None:
    demand = _demand()
    assert capped_product_bps(demand, demand_bps=15_000, diversity_bps=12_000) == 18_000
    assert capped_product_bps(demand, demand_bps=30_000, diversity_bps=20_000) == 40_000


def test_a_demand_survives_the_epoch_report_unchanged() -> None:
    demand = _demand(FR, Multiplier("topic", "law", 20_000, not_before=5, not_after=2_000_000_000))
    text = json.dumps(demand.to_json(), sort_keys=True)
    assert Demand.from_json(json.loads(text)) == demand
    assert json.loads(text)["review"]["reviewer_min_votes"] == str(10**18)  # past 2**53: a string


@pytest.mark.parametrize(
    ("not_before", "not_after", "at", "in_force"),
    [(0, 0, 5, True), (10, 0, 9, False), (10, 0, 10, True), (0, 20, 19, True), (0, 20, 20, False)],
)
def test_a_window_holds_from_its_start_until_just_before_its_end(
    not_before: int, not_after: int, at: int, in_force: bool
) -> None:
    assert Multiplier("language", "fr", 15_000, not_before, not_after).in_force(at) is in_force
