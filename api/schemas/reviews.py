"""Request and response models of `/reviews`: the review queue, signed reviews, and opting in."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.anchoring import BatchAnchoringPublic
from api.schemas.fields import MAX_STORED_INTEGER, RowId, Signature
from chain.signed_batches import BatchAnchoring
from governance.reviews.sampling import REJECT_REASONS
from governance.reviews.service import Waiting
from polyphony.models.review import Review, Reviewer, ReviewSample


class QueuePublic(BaseModel):
    """What waits: samples with no reviewers yet (fewer than three eligible ones exist), and assigned samples
    waiting for their reviews."""

    unassigned: int
    pending: int
    opted_in_reviewers: int
    message: str

    @classmethod
    def of(cls, waiting: Waiting) -> "QueuePublic":
        """The queue, with a sentence for a person."""
        if waiting.unassigned:
            message = (
                f"{waiting.unassigned} sampled documents wait for reviewers: three eligible reviewers (opted in, "
                f"with the minimum delegated votes) are needed, and {waiting.opted_in_reviewers} have opted in; "
                "nobody's pay changes while they wait"
            )
        else:
            message = f"{waiting.pending} sampled documents wait for their reviews"
        return cls(**vars(waiting), message=message)


class ReviewTaskPublic(BaseModel):
    """One sampled document to review, and the typed data to sign (as an acceptance: a rejection signs the same
    with `accept` false and a reason)."""

    sample_id: int
    contribution_id: int
    cid: str
    record: int
    modality: str
    language: str | None
    license: str
    text: str | None = Field(
        description="The document as the scorer read it, a table's row as its cells; null for an image (/ipfs/{cid})"
    )
    typed_data: dict[str, Any]


class NextReviewPublic(BaseModel):
    """`GET /reviews/next`: your next document (null when none is assigned to you), the queue, the reasons."""

    review: ReviewTaskPublic | None
    queue: QueuePublic
    reasons: list[str] = Field(default_factory=lambda: list(REJECT_REASONS))


class ReviewSubmission(BaseModel):
    """`POST /reviews`: the signed review of one sampled document."""

    sample_id: RowId
    accept: bool
    reason: str = Field(default="", max_length=32, description="One of the published reasons when rejecting")
    deadline: int = Field(ge=0, le=MAX_STORED_INTEGER, description="The `deadline` of the signed typed data")
    signature: Signature


class ReviewPublic(BaseModel):
    id: int
    sample_id: int
    reviewer: str
    accept: bool
    reason: str
    deadline: int
    signature: str
    created_at: datetime
    outcome: str  # the sample's, after this review: pending, accepted or rejected
    anchoring: BatchAnchoringPublic | None = None  # null until the review's batch (kind 2) is on-chain

    @classmethod
    def of(cls, review: Review, sample: ReviewSample, anchoring: BatchAnchoring | None = None) -> "ReviewPublic":
        """The review as kept, with its sample's outcome and, once anchored, where."""
        public = cls(**review.model_dump(exclude={"batch_id", "leaf"}), outcome=str(sample.outcome))
        if anchoring is not None:
            public.anchoring = BatchAnchoringPublic.model_validate(anchoring, from_attributes=True)
        return public


class ReviewerPublic(BaseModel):
    address: str
    active: bool
    opted_in_at: datetime

    @classmethod
    def of(cls, reviewer: Reviewer) -> "ReviewerPublic":
        return cls.model_validate(reviewer, from_attributes=True)


class SampleReviewsPublic(BaseModel):
    """One sampled document of a contribution, its outcome and its reviews so far."""

    sample_id: int
    record: int
    outcome: str
    sampled_at: datetime
    decided_at: datetime | None
    reviews: list[ReviewPublic]
