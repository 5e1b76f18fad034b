"""Datasets: a curator assembles scored contributions by filters into a pinned Croissant manifest and a root."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentContributor, SessionDep, StorageDep
from api.schemas.datasets import DatasetCreate, DatasetPublic, DatasetSelection, SelectionPreviewPublic
from api.schemas.errors import ErrorPublic
from api.schemas.fields import Offset, PathId
from api.schemas.pages import Page
from governance.datasets import service as datasets
from governance.datasets.preview import preview_selection, summarise_dataset

router = APIRouter(prefix="/datasets", tags=["datasets"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (400, 401, 404, 503)}
_ALREADY_MADE: dict[int | str, dict[str, Any]] = {
    200: {"model": DatasetPublic, "description": "The dataset these filters made before: the very same manifest"}
}


@router.post("", status_code=201, response_model=DatasetPublic, responses={**_ALREADY_MADE, **_ERRORS})
def create_dataset(
    body: DatasetCreate, response: Response, session: SessionDep, storage: StorageDep, me: CurrentContributor
) -> DatasetPublic:
    """Build and pin the manifest of the contributions the filters select; 200 if that manifest exists already."""
    dataset, created = datasets.create_dataset(
        session, storage=storage, curator=me, name=body.name, description=body.description, filters=body.filters()
    )
    response.status_code = 201 if created else 200
    return DatasetPublic.of(dataset, datasets.dataset_contribution_ids(session, dataset.id or 0))


@router.get("/preview", response_model=SelectionPreviewPublic, responses=_ERRORS)
def preview_dataset(selection: Annotated[DatasetSelection, Query()], session: SessionDep) -> SelectionPreviewPublic:
    """What `POST /datasets` with these filters would select now, counted (lists repeat: `?languages=en&languages=fr`);
    nothing is built, pinned or recorded, and no sign-in is needed."""
    filters = selection.filters()
    return SelectionPreviewPublic.of(preview_selection(session, filters), filters.as_json())


@router.get("", response_model=Page[DatasetPublic])
def list_datasets(
    session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[DatasetPublic]:
    """Datasets, newest first (without their member lists)."""
    found, total = datasets.list_datasets(session, offset=offset, limit=limit)
    return Page.of([DatasetPublic.of(dataset) for dataset in found], total=total, offset=offset, limit=limit)


@router.get("/{dataset_id}", response_model=DatasetPublic, responses=_ERRORS)
def get_dataset(dataset_id: PathId, session: SessionDep) -> DatasetPublic:
    """One dataset with its members' contribution ids."""
    dataset = datasets.get_dataset(session, dataset_id)
    return DatasetPublic.of(dataset, datasets.dataset_contribution_ids(session, dataset_id))


@router.get("/{dataset_id}/summary", response_model=SelectionPreviewPublic, responses=_ERRORS)
def get_dataset_summary(dataset_id: PathId, session: SessionDep, storage: StorageDep) -> SelectionPreviewPublic:
    """A dataset's counts (documents, bytes, languages, licenses, contributors), from its pinned manifest."""
    return SelectionPreviewPublic.of(
        summarise_dataset(session, dataset_id, storage=storage), datasets.get_dataset(session, dataset_id).filters
    )
