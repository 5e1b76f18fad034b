"""Scores: a contribution's score with its report, policy and attestation, for auditors to recompute; and what a
file would score, before it is uploaded."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.deps import DeploymentDep, PreviewAllowance, SessionDep, SettingsDep
from api.multipart import MissingFile, bounded_form
from api.schemas import forms
from api.schemas.errors import ErrorPublic
from api.schemas.fields import PathId
from api.schemas.scores import ScorePreviewPublic, ScorePublic
from polyphony.formats.readers import FormatLimits
from polyphony.scores import service
from polyphony.scores.preview import preview_upload

router = APIRouter(prefix="/contributions", tags=["scores"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (404, 503)}


@router.get("/{contribution_id}/score", response_model=ScorePublic, responses=_ERRORS)
def get_score(contribution_id: PathId, session: SessionDep, deployment: DeploymentDep) -> ScorePublic:
    """The latest score of a contribution, its canonical report, the policy it used and the scorer's signature."""
    record = service.score_record(session, contribution_id)
    registry = deployment.contracts["provenanceRegistry"].address
    return ScorePublic.of(record, chain_id=deployment.chain_id, registry=registry)


preview_router = APIRouter(prefix="/scores", tags=["scores"])

_PREVIEW_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 411, 413, 415, 429)
}
_PREVIEW_BODY = forms.multipart_body(
    {
        "file": forms.FILE,
        "format": forms.content_format("Its format; default: from the file name's extension"),
        "modality": forms.modality("Its modality; default: from the format"),
        "text_field": forms.TEXT_FIELD,
    },
    required=["file"],
)


@preview_router.post(
    "/preview", response_model=ScorePreviewPublic, responses=_PREVIEW_ERRORS,
    openapi_extra={"requestBody": _PREVIEW_BODY},
)  # fmt: skip
async def preview(request: Request, settings: SettingsDep, _allowed: PreviewAllowance) -> ScorePreviewPublic:
    """Score a file as the scoring workers would, without storing it (rate-limited like uploads)."""
    form = await bounded_form(request, max_bytes=settings.polyphony_max_preview_bytes)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise MissingFile("send the file in a multipart part named 'file'")
    scored = await run_in_threadpool(
        preview_upload, upload.file, filename=upload.filename or "", format_name=_field(form, "format"),
        modality=_field(form, "modality"), spool_dir=settings.spool_dir, limits=FormatLimits(),
        text_field=_field(form, "text_field"),
    )  # fmt: skip
    return ScorePreviewPublic(**scored.to_json(file=upload.filename or ""))


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None
