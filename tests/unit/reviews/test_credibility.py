"""Credibility, its multiplier, reviewer agreement and the reviewers' split, on tiny inline records."""

import pytest

from governance.reviews.credibility import (
    CREDIBILITY_START_BPS,
    REVIEW_PARAMS,
    ReviewerTally,
    ReviewParams,
    agreement_bps,
    credibility_bps,
    credibility_multiplier_bps,
    reviewer_split,
)
from governance.reviews.sampling import ACCEPTED, REJECTED


def test_credibility_starts_full_and_accepted_samples_keep_it_there() -> None:
    assert credibility_bps(CREDIBILITY_START_BPS, [ACCEPTED] * 5) == 10_000
    assert credibility_multiplier_bps(CREDIBILITY_START_BPS) == 10_000


def test_a_farmers_rejected_samples_take_credibility_and_the_multiplier_towards_zero_fast() -> None:
    credibility, multipliers = CREDIBILITY_START_BPS, []
    for _ in range(4):
        credibility = credibility_bps(credibility, [REJECTED])
        multipliers.append(credibility_multiplier_bps(credibility))
    assert multipliers == [2_500, 625, 156, 39]
    assert credibility_bps(CREDIBILITY_START_BPS, [REJECTED] * 20) == 0


def test_credibility_recovers_slowly_after_a_rejection() -> None:
    fallen = credibility_bps(CREDIBILITY_START_BPS, [REJECTED])
    path = [credibility_bps(fallen, [ACCEPTED] * n) for n in range(1, 11)]
    assert path == sorted(path) and path[:3] == [6_000, 6_800, 7_440]  # each good sample: a fifth of the gap
    assert path[2] < 8_000 < path[-1] < CREDIBILITY_START_BPS
    assert credibility_bps(fallen, [ACCEPTED] * 60) == CREDIBILITY_START_BPS  # rounded up, it gets all the way back


def test_outcomes_count_in_the_order_they_landed() -> None:
    assert credibility_bps(10_000, [REJECTED, ACCEPTED]) != credibility_bps(10_000, [ACCEPTED, REJECTED])
    with pytest.raises(ValueError, match="pending"):
        credibility_bps(10_000, ["pending"])


def test_the_multiplier_is_clamped_into_the_published_bounds() -> None:
    params = ReviewParams(multiplier_floor_bps=1_000, multiplier_ceiling_bps=9_000)
    assert credibility_multiplier_bps(0, params) == 1_000
    assert credibility_multiplier_bps(10_000, params) == 9_000
    assert credibility_multiplier_bps(9_000, ReviewParams(credibility_exponent=1)) == 9_000


def test_a_new_reviewer_starts_at_the_neutral_prior_and_one_disagreement_does_not_sink_them() -> None:
    assert agreement_bps(0, 0) == REVIEW_PARAMS.agreement_prior_bps
    assert agreement_bps(0, 1) > 9_000
    assert agreement_bps(100, 100) > agreement_bps(90, 100) > agreement_bps(50, 100)


def test_a_reviewer_who_always_accepts_loses_agreement_and_earnings() -> None:
    # 100 documents each epoch, 10 rejected by their majority: the careful reviewer agreed on all of them,
    # the one who accepts everything disagreed on every rejection.
    careful, careless = "0x" + "c1" * 20, "0x" + "ca" * 20
    tallies = [ReviewerTally(careful, 100, 1_000, 1_000), ReviewerTally(careless, 100, 900, 1_000)]
    assert agreement_bps(900, 1_000) < agreement_bps(1_000, 1_000)
    split = reviewer_split(1_000_000, tallies)
    assert split[careless] < split[careful] // 2
    assert sum(split.values()) == 1_000_000


def test_the_reviewers_split_is_exact_by_reviews_and_pays_nothing_under_the_agreement_floor() -> None:
    tallies = [ReviewerTally("0x" + "01" * 20, 30, 300, 300), ReviewerTally("0x" + "02" * 20, 10, 300, 300),
               ReviewerTally("0x" + "03" * 20, 50, 400, 500)]  # fmt: skip
    split = reviewer_split(1_001, tallies)  # the same record: 3 times the reviews, 3 times the pay
    assert sum(split.values()) == 1_001
    assert split["0x" + "03" * 20] == 0  # 80 % agreement: below the 90 % floor
    assert (split["0x" + "01" * 20], split["0x" + "02" * 20]) == (751, 250)
    assert reviewer_split(1_000, []) == {}


def test_review_parameters_round_trip_and_refuse_what_makes_no_sense() -> None:
    params = ReviewParams(alpha_reject_bps=7_000, reviewer_share_bps=300)
    assert ReviewParams.from_json(params.to_json()) == params
    with pytest.raises(ValueError, match="exactly"):
        ReviewParams.from_json({**params.to_json(), "bonus": 1})
    with pytest.raises(ValueError, match="alpha_reject_bps"):
        ReviewParams(alpha_reject_bps=10_001)
    with pytest.raises(ValueError, match="bounds"):
        ReviewParams(multiplier_floor_bps=5_000, multiplier_ceiling_bps=4_000)
