"""Models trained on an approved round: registered on-chain by their trainer, recorded here, with lineage."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import DeploymentDep, SessionDep, SettingsDep, StorageDep
from api.schemas.errors import ErrorPublic
from api.schemas.fields import MAX_STORED_INTEGER, Offset, PathId
from api.schemas.pages import Page
from api.schemas.trained_models import ModelLineagePublic, ModelPublic, ModelRegistration, ModelsRecordedPublic
from chain.client import connect
from governance.rounds import lineage

router = APIRouter(prefix="/models", tags=["governance"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (400, 404, 503)}


@router.post("", status_code=201, response_model=ModelsRecordedPublic, responses=_ERRORS)
def record_model(
    body: ModelRegistration, session: SessionDep, settings: SettingsDep, deployment: DeploymentDep
) -> ModelsRecordedPublic:
    """Record the models a `registerModel` transaction registered (read from its receipt; idempotent)."""
    web3 = connect(settings.effective_chain_rpc_url)
    models = lineage.record_registration(session, web3=web3, deployment=deployment, tx_hash=body.tx_hash)
    return ModelsRecordedPublic(tx_hash=body.tx_hash, models=[ModelPublic.of(model) for model in models])


@router.get("", response_model=Page[ModelPublic])
def list_models(
    session: SessionDep,
    round_number: Annotated[int | None, Query(alias="round", ge=0, le=MAX_STORED_INTEGER)] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ModelPublic]:
    """Registered models, newest first, of one round if `round` is given."""
    found, total = lineage.list_models(session, round_number=round_number, offset=offset, limit=limit)
    return Page.of([ModelPublic.of(model) for model in found], total=total, offset=offset, limit=limit)


@router.get("/{model_id}", response_model=ModelPublic, responses=_ERRORS)
def get_model(model_id: PathId, session: SessionDep) -> ModelPublic:
    """One registered model."""
    return ModelPublic.of(lineage.get_model(session, model_id))


@router.get("/{model_id}/lineage", response_model=ModelLineagePublic, responses=_ERRORS)
def get_lineage(model_id: PathId, session: SessionDep, storage: StorageDep) -> ModelLineagePublic:
    """The round, datasets, contributions and contributors behind the model, from its pinned lineage document."""
    model = lineage.get_model(session, model_id)
    document = lineage.model_lineage(storage, model)
    return ModelLineagePublic(
        model=ModelPublic.of(model), round=document["round"], datasets=document["datasets"],
        contributions=document["contributions"], contributors=document["contributors"], dropped=document["dropped"],
    )  # fmt: skip
