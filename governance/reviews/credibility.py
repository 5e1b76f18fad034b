"""What reviews do to rewards: each contributor's credibility, each reviewer's agreement, the reviewers' split.

Pure integers in basis points, so `polyphony verify epoch` recomputes every figure from the chain and IPFS.

- Credibility: an exponential moving average of a contributor's sampled documents' outcomes, in the order
  they landed (10000 accepted, 0 rejected), starting at `CREDIBILITY_START_BPS` (10000). It falls fast and
  recovers slowly: a rejection moves it `alpha_reject_bps` of the way to 0, an acceptance `alpha_accept_bps`
  of the way to 10000, each step rounded towards its outcome (so 0 and 10000 are reached). A rejection counts
  from the epoch it lands in on (every contribution that epoch pays): rewards already paid are never taken back.
- The credibility multiplier: credibility^`credibility_exponent` (as a fraction of 10000), clamped into
  [`multiplier_floor_bps`, `multiplier_ceiling_bps`]. The square makes filler a loss, not a gamble: a
  contributor whose uploads are a share f filler keeps about (1 - f)^2 of the pay of all of them, less than
  the (1 - f) their honest part alone would earn. Two rejected samples in a row (two epochs, since everyone
  is sampled at least once an epoch) take a farmer's multiplier to 1/16, three to 1/64, while an honest
  contributor's rare wrong rejection costs a few epochs' share, not the account.
- Agreement: a reviewer's reviews that agree with their document's majority, over their reviews of documents
  that have one, with `agreement_prior_reviews` reviews at `agreement_prior_bps` added, so a new reviewer
  starts neutral and one disagreement does not sink them.
- The reviewers' split: `reviewer_share_bps` of an epoch's budget goes to the reviewers whose reviews landed
  in it, in proportion to reviews x agreement weight, where the agreement weight rises linearly from 0 at
  `agreement_floor_bps` to 10000 at full agreement. A reviewer who accepts everything disagrees with every
  rejection the others agree on and earns less; one who disagrees with the majority more than one time in ten
  (the default floor) earns nothing.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from chain.demand import VotedReviewParams
from governance.reviews.sampling import ACCEPTED, BPS, REJECTED
from governance.rewards.split import largest_remainder

CREDIBILITY_START_BPS = BPS
MAX_MULTIPLIER_BPS = 2 * BPS  # the DemandRegistry's own ceiling on the credibility bounds
TOKEN_UNIT = 10**18


@dataclass(frozen=True)
class ReviewParams:
    """The published parameters of review, as the formula uses them; those governance votes on come from the
    DemandRegistry at the epoch's cutoff (`voted_params`), the others are constants of the formula's version."""

    alpha_reject_bps: int = 5_000
    alpha_accept_bps: int = 2_000
    credibility_exponent: int = 2
    multiplier_floor_bps: int = 0
    multiplier_ceiling_bps: int = BPS
    reviewer_share_bps: int = 200
    min_voting_power_tokens: int = 1_000  # delegated votes a reviewer needs, in whole tokens (10**18 base units)
    agreement_prior_reviews: int = 20
    agreement_prior_bps: int = 9_500
    agreement_floor_bps: int = 9_000

    def __post_init__(self) -> None:
        for name in ("alpha_reject_bps", "alpha_accept_bps", "reviewer_share_bps", "agreement_prior_bps",
                     "agreement_floor_bps"):  # fmt: skip
            if not 0 <= getattr(self, name) <= BPS:
                raise ValueError(f"{name} must be within 0-{BPS}")
        if not 0 <= self.multiplier_floor_bps <= self.multiplier_ceiling_bps <= MAX_MULTIPLIER_BPS:
            raise ValueError(f"the multiplier bounds must hold 0 <= floor <= ceiling <= {MAX_MULTIPLIER_BPS}")
        if self.credibility_exponent < 1 or self.agreement_prior_reviews < 0 or self.min_voting_power_tokens < 0:
            raise ValueError("credibility_exponent must be at least 1, the prior and voting power not negative")
        if self.agreement_floor_bps == BPS:
            raise ValueError("agreement_floor_bps must be below 10000, or no reviewer could earn")

    def to_json(self) -> dict[str, int]:
        """The parameters as a report publishes them."""
        return asdict(self)

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "ReviewParams":
        """The parameters back from their published form: every field, nothing else."""
        names = {field.name for field in fields(cls)}
        if set(entry) != names:
            raise ValueError(f"review parameters must be exactly {sorted(names)}")
        return cls(**{name: int(entry[name]) for name in names})


REVIEW_PARAMS = ReviewParams()


def voted_params(voted: VotedReviewParams) -> ReviewParams:
    """The published parameters with what governance holds on the DemandRegistry in their place: the votes a
    reviewer needs (base units, kept in whole tokens), the reviewers' share and the multiplier's bounds."""
    return replace(
        REVIEW_PARAMS, min_voting_power_tokens=voted.reviewer_min_votes // TOKEN_UNIT,
        reviewer_share_bps=voted.reviewer_share_bps, multiplier_floor_bps=voted.credibility_floor_bps,
        multiplier_ceiling_bps=voted.credibility_ceiling_bps,
    )  # fmt: skip


@dataclass(frozen=True)
class ReviewerTally:
    """One reviewer's reviews landed in the epoch, and their agreement record up to and with it."""

    address: str
    reviews: int  # reviews that landed in the epoch
    agreed: int  # reviews ever, this epoch's included, that agree with their document's majority
    decided: int  # reviews ever of documents that have a majority


def credibility_bps(previous_bps: int, outcomes: Iterable[str], params: ReviewParams = REVIEW_PARAMS) -> int:
    """`previous_bps` moved by each majority outcome (`ACCEPTED` or `REJECTED`) in the order they landed."""
    credibility = previous_bps
    for outcome in outcomes:
        if outcome == ACCEPTED:
            credibility += -(-(BPS - credibility) * params.alpha_accept_bps // BPS)
        elif outcome == REJECTED:
            credibility -= -(-credibility * params.alpha_reject_bps // BPS)
        else:
            raise ValueError(f"an outcome is {ACCEPTED!r} or {REJECTED!r}, not {outcome!r}")
    return credibility


def credibility_multiplier_bps(credibility: int, params: ReviewParams = REVIEW_PARAMS) -> int:
    """credibility^exponent in basis points, clamped into the published bounds."""
    powered: int = pow(credibility, params.credibility_exponent) // pow(BPS, params.credibility_exponent - 1)
    return min(max(powered, params.multiplier_floor_bps), params.multiplier_ceiling_bps)


def agreement_bps(agreed: int, decided: int, params: ReviewParams = REVIEW_PARAMS) -> int:
    """A reviewer's agreement rate with the majority, the neutral prior included; the prior alone with no record."""
    prior = params.agreement_prior_reviews
    if decided + prior == 0:
        return params.agreement_prior_bps
    return (agreed * BPS + prior * params.agreement_prior_bps) // (decided + prior)


def agreement_weight_bps(agreement: int, params: ReviewParams = REVIEW_PARAMS) -> int:
    """What an agreement rate weighs in the reviewers' split: 0 at or below the floor, 10000 at full agreement."""
    floor = params.agreement_floor_bps
    return max(0, (agreement - floor) * BPS // (BPS - floor))


def reviewer_split(
    budget_share: int, reviewers: Sequence[ReviewerTally], params: ReviewParams = REVIEW_PARAMS
) -> dict[str, int]:
    """`budget_share` split over `reviewers` by reviews x agreement weight, exactly; nothing to a reviewer at 0."""
    weights = [
        (
            tally.address,
            tally.reviews * agreement_weight_bps(agreement_bps(tally.agreed, tally.decided, params), params),
        )
        for tally in reviewers
    ]
    return largest_remainder(budget_share, weights)
