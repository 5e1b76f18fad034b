"""Scores: a contribution's score with its report, policy and attestation, for auditors to recompute."""

from typing import Any

from fastapi import APIRouter

from api.deps import DeploymentDep, SessionDep
from api.schemas.errors import ErrorPublic
from api.schemas.scores import ScorePublic
from polyphony.scores import service

router = APIRouter(prefix="/contributions", tags=["scores"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (404, 503)}


@router.get("/{contribution_id}/score", response_model=ScorePublic, responses=_ERRORS)
def get_score(contribution_id: int, session: SessionDep, deployment: DeploymentDep) -> ScorePublic:
    """The latest score of a contribution, its canonical report, the policy it used and the scorer's signature."""
    record = service.score_record(session, contribution_id)
    registry = deployment.contracts["provenanceRegistry"].address
    return ScorePublic.of(record, chain_id=deployment.chain_id, registry=registry)
