"""Training rounds: the datasets approved for each, as the indexed registry events say, and what left them since."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentContributor, DeploymentDep, SessionDep, StorageDep
from api.schemas.errors import ErrorPublic
from api.schemas.fields import Offset, RoundNumber
from api.schemas.rounds import LineagePinnedPublic, RoundDatasetPublic, RoundPublic, RoundWithdrawalsPublic
from governance.rounds import approvals as rounds
from governance.rounds import card, lineage, withdrawals

router = APIRouter(prefix="/rounds", tags=["governance"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (401, 404, 503)}
CARD_MEDIA_TYPE = "text/markdown; charset=utf-8"


@router.get("/{round_number}", response_model=RoundPublic, responses=_ERRORS)
def get_round(round_number: RoundNumber, session: SessionDep, deployment: DeploymentDep) -> RoundPublic:
    """The datasets approved for the round, with manifest CIDs and roots; 404 while there are none."""
    approved = rounds.approvals(session, deployment=deployment, round_number=round_number)
    return RoundPublic(
        round=round_number, chain_id=deployment.chain_id,
        registry=deployment.contracts["datasetRegistry"].address,
        datasets=[RoundDatasetPublic.of(approval) for approval in approved],
    )  # fmt: skip


@router.get(
    "/{round_number}/card", response_class=Response,
    responses={200: {"content": {CARD_MEDIA_TYPE: {}}, "description": "The dataset card, Markdown"}, **_ERRORS},
)  # fmt: skip
def get_card(
    round_number: RoundNumber, session: SessionDep, storage: StorageDep, deployment: DeploymentDep
) -> Response:
    """The round's Hugging Face dataset card (Markdown with a YAML header), counted from its approved manifests less
    what left since; `polyphony pull` writes the full card, with columns and bytes, beside the data. 404 if none."""
    text = card.round_card(session, storage=storage, deployment=deployment, round_number=round_number)
    return Response(text, media_type=CARD_MEDIA_TYPE)


@router.get("/{round_number}/withdrawals", response_model=RoundWithdrawalsPublic, responses=_ERRORS)
def get_withdrawals(
    round_number: RoundNumber, session: SessionDep, storage: StorageDep, deployment: DeploymentDep, offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> RoundWithdrawalsPublic:  # fmt: skip
    """What left the round's approved datasets since (withdrawn contributions): a trainer deletes these; 404 if none."""
    feed = withdrawals.round_withdrawals(session, storage=storage, deployment=deployment, round_number=round_number)
    return RoundWithdrawalsPublic.of_feed(feed, offset=offset, limit=limit)


@router.post("/{round_number}/lineage", response_model=LineagePinnedPublic, responses=_ERRORS)
def pin_lineage(
    round_number: RoundNumber, session: SessionDep, storage: StorageDep, deployment: DeploymentDep,
    _me: CurrentContributor,
) -> LineagePinnedPublic:  # fmt: skip
    """Pin the round's lineage document (its approved datasets minus withdrawn contributions) for a model to name."""
    cid = lineage.pin_round_lineage(session, storage=storage, deployment=deployment, round_number=round_number)
    return LineagePinnedPublic(round=round_number, lineage_cid=cid)
