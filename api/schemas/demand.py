"""Request and response models of demand: `GET /demand` and `POST /proposals/demand`."""

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.fields import MAX_SAFE_INTEGER
from chain.demand import DemandNow, Multiplier, VotedReviewParams
from governance.proposals.demand import MAX_CHANGES, MAX_VALUE_BYTES, DemandChanges

Dimension = Literal["language", "modality", "license", "topic"]


class MultiplierPublic(BaseModel):
    """A multiplier: `bps` (10000 = 1x) for contributions whose `dimension` is `value`, within its window."""

    dimension: Dimension
    value: str = Field(description="A language tag in lower case, a modality, an SPDX id, or a listed topic")
    bps: int
    not_before: int = Field(description="Unix time it takes effect from; 0: always")
    not_after: int = Field(description="Unix time it stops at (exclusive); 0: never")
    in_force: bool = Field(description="True when its window holds the newest block's time")

    @classmethod
    def of(cls, multiplier: Multiplier, *, at: int) -> "MultiplierPublic":
        """The public view of a multiplier, and whether it is in force at `at`."""
        return cls(**multiplier.to_json(), in_force=multiplier.in_force(at))


class ReviewParamsPublic(BaseModel):
    """What sampled peer review runs by."""

    reviewer_min_votes: str = Field(description="Votes a reviewer needs, token base units (decimal string)",
                                    pattern=r"^[0-9]{1,78}$")  # fmt: skip
    reviewer_share_bps: int = Field(ge=0, le=10_000, description="The reviewers' share of an epoch's budget")
    credibility_floor_bps: int = Field(ge=0, le=10_000)
    credibility_ceiling_bps: int = Field(ge=10_000, le=65_535)

    @classmethod
    def of(cls, review: VotedReviewParams) -> "ReviewParamsPublic":
        """The public view of the review parameters."""
        return cls(**review.to_json())

    def params(self) -> VotedReviewParams:
        """The parameters as the registry takes them."""
        return VotedReviewParams(int(self.reviewer_min_votes), self.reviewer_share_bps, self.credibility_floor_bps,
                            self.credibility_ceiling_bps)  # fmt: skip


class DemandPublic(BaseModel):
    """The demand registry at the newest block: every multiplier (in force or scheduled), topics, review, bounds."""

    registry: str
    block_number: int
    at: int = Field(description="The newest block's Unix time: what `in_force` is judged at")
    multipliers: list[MultiplierPublic] = Field(description="Every multiplier, by dimension then value")
    topics: list[str] = Field(description="The topics an upload may declare, sorted")
    review: ReviewParamsPublic
    min_multiplier_bps: int = Field(description="Bounds of one multiplier and of a contribution's product of them")
    max_multiplier_bps: int
    max_product_bps: int = Field(description="Bound of demand x diversity, what the reward formula weighs by")

    @classmethod
    def of(cls, now: DemandNow) -> "DemandPublic":
        """The public view of the registry now."""
        d = now.demand
        return cls(
            registry=d.registry, block_number=d.block_number, at=d.at,
            multipliers=[MultiplierPublic.of(m, at=d.at) for m in now.scheduled], topics=list(d.topics),
            review=ReviewParamsPublic.of(d.review), min_multiplier_bps=d.min_multiplier_bps,
            max_multiplier_bps=d.max_multiplier_bps, max_product_bps=d.max_product_bps,
        )  # fmt: skip


class MultiplierRequest(BaseModel):
    """Set (or replace) the multiplier of one value."""

    dimension: Dimension
    value: str = Field(min_length=1, max_length=MAX_VALUE_BYTES)
    bps: int = Field(ge=0, le=4_294_967_295, description="10000 = 1x; the registry bounds it (GET /demand)")
    not_before: int = Field(default=0, ge=0, le=MAX_SAFE_INTEGER, description="Unix time; 0: from execution on")
    not_after: int = Field(default=0, ge=0, le=MAX_SAFE_INTEGER, description="Unix time (exclusive); 0: never")


class ClearRequest(BaseModel):
    """Clear the multiplier of one value (back to 1x)."""

    dimension: Dimension
    value: str = Field(min_length=1, max_length=MAX_VALUE_BYTES)


class DemandProposalRequest(BaseModel):
    """`POST /proposals/demand`: the changes one proposal makes, at least one and at most 20."""

    set: list[MultiplierRequest] = Field(default_factory=list, max_length=MAX_CHANGES)
    clear: list[ClearRequest] = Field(default_factory=list, max_length=MAX_CHANGES)
    add_topics: list[str] = Field(default_factory=list, max_length=MAX_CHANGES)
    remove_topics: list[str] = Field(default_factory=list, max_length=MAX_CHANGES)
    review: ReviewParamsPublic | None = None
    relay: bool = Field(
        default=True,
        description="True: the backend's relayer sends `propose` and pays gas. False: only record it and return "
        "the actions, which the proposer sends to the governor's `propose` from their own wallet.",
    )

    def changes(self) -> DemandChanges:
        """The changes as the proposal service takes them."""
        return DemandChanges(
            set=tuple(Multiplier(m.dimension, m.value, m.bps, m.not_before, m.not_after) for m in self.set),
            clear=tuple((c.dimension, c.value) for c in self.clear), add_topics=tuple(self.add_topics),
            remove_topics=tuple(self.remove_topics), review=None if self.review is None else self.review.params(),
        )  # fmt: skip
