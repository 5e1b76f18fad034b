"""`/reviews`: sampled peer review. Opt in, take your next sampled document, send your signed review."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentContributor, DeploymentDep, SessionDep, StorageDep, Web3Dep
from api.schemas.errors import ErrorPublic
from api.schemas.fields import Offset, PathId
from api.schemas.pages import Page
from api.schemas.reviews import (
    NextReviewPublic,
    QueuePublic,
    ReviewerPublic,
    ReviewPublic,
    ReviewSubmission,
    ReviewTaskPublic,
    SampleReviewsPublic,
)
from chain.review_anchoring import review_anchoring
from governance.reviews import service
from polyphony.contributions import service as contributions

router = APIRouter(tags=["reviews"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 503)}


@router.post("/reviews/reviewer", response_model=ReviewerPublic, responses=_ERRORS)
def opt_in(session: SessionDep, me: CurrentContributor) -> ReviewerPublic:
    """Opt in to review: you are given documents while your delegated votes reach the reviewers' minimum."""
    return ReviewerPublic.of(service.opt_in(session, me))


@router.delete("/reviews/reviewer", response_model=ReviewerPublic, responses=_ERRORS)
def opt_out(session: SessionDep, me: CurrentContributor) -> ReviewerPublic:
    """Opt out: no new documents; those assigned to you already stay yours to review."""
    return ReviewerPublic.of(service.opt_out(session, me))


@router.get("/reviews/next", response_model=NextReviewPublic, responses=_ERRORS)
def next_review(
    session: SessionDep, me: CurrentContributor, storage: StorageDep, deployment: DeploymentDep
) -> NextReviewPublic:
    """Your oldest sampled document waiting for your review, with the typed data to sign; null when none."""
    service.require_reviewer(session, me)
    queue = QueuePublic.of(service.queue_state(session))
    sample = service.next_assignment(session, me)
    if sample is None:
        return NextReviewPublic(review=None, queue=queue)
    contribution = contributions.get(session, sample.contribution_id)
    task = ReviewTaskPublic(
        sample_id=sample.id or 0, contribution_id=contribution.id or 0, cid=contribution.cid or "",
        record=sample.record, modality=contribution.modality, language=contribution.language,
        license=contribution.license, text=service.document_text(storage, contribution, sample.record),
        typed_data=service.review_form(sample, contribution, reviewer=me, deployment=deployment),
    )  # fmt: skip
    return NextReviewPublic(review=task, queue=queue)


@router.post("/reviews", response_model=ReviewPublic, status_code=201, responses=_ERRORS)
def post_review(
    body: ReviewSubmission, session: SessionDep, me: CurrentContributor, deployment: DeploymentDep, web3: Web3Dep
) -> ReviewPublic:
    """Send your signed review of a sampled document assigned to you; three reviews decide it by majority."""
    review = service.submit_review(
        session, reviewer=me, sample_id=body.sample_id, accept=body.accept, reason=body.reason,
        deadline=body.deadline, signature=bytes.fromhex(body.signature[2:]), deployment=deployment, web3=web3,
    )  # fmt: skip
    return ReviewPublic.of(review, service.sample_of(session, review.sample_id))


@router.get("/contributions/{contribution_id}/reviews", response_model=Page[SampleReviewsPublic], responses=_ERRORS)
def contribution_reviews(
    contribution_id: PathId, session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[SampleReviewsPublic]:
    """A contribution's sampled documents, each with its outcome and its signed reviews so far."""
    contributions.get(session, contribution_id)
    samples = service.reviews_of_contribution(session, contribution_id)
    items = [
        SampleReviewsPublic(
            sample_id=sample.id or 0,
            record=sample.record,
            outcome=str(sample.outcome),
            sampled_at=sample.sampled_at,
            decided_at=sample.decided_at,
            reviews=[ReviewPublic.of(review, sample, review_anchoring(session, review)) for review in reviews],
        )
        for sample, reviews in samples[offset : offset + limit]
    ]
    return Page.of(items, total=len(samples), offset=offset, limit=limit)
