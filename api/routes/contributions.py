"""Contributions: upload, list, follow, sign the claim, and prove it on-chain."""

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    CurrentContributor,
    DeploymentDep,
    RequestPhases,
    SessionDep,
    SettingsDep,
    StorageDep,
    TopicCheckDep,
    UploadAllowance,
    Web3Dep,
)
from api.multipart import receive_upload
from api.schemas import forms
from api.schemas.contributions import (
    ClaimSignature,
    ContributionPublic,
    ContributionRewardPublic,
    DropReasonPublic,
    RecordPublic,
    RevocationSignature,
)
from api.schemas.errors import ErrorPublic
from api.schemas.fields import Offset, PathId
from api.schemas.pages import Page
from api.schemas.tombstones import TombstonePublic
from chain.addresses import checksum_address
from chain.anchoring import provenance_of
from chain.provenance import Provenance, accept_claim, accept_revocation, claim_typed_data, revocation_typed_data
from governance.rewards.epochs import reward_of, rewards_of
from governance.rewards.explained import explain_reward
from polyphony.contributions import service
from polyphony.contributions.ingest import LANGUAGE_TAG, MAX_TEXT, MAX_TITLE, MAX_TOPIC, ingest
from polyphony.formats.readers import FormatLimits
from polyphony.models.contribution import ContributionStatus
from polyphony.scores import service as scores
from polyphony.scores.documents import drop_reasons, get_document_fates
from polyphony.timing import server_timing

router = APIRouter(prefix="/contributions", tags=["contributions"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 413, 415, 429, 503)
}


_UPLOAD_BODY = forms.multipart_body(
    {
        "file": forms.FILE,
        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE, "description": "What the data is"},
        "description": {"type": "string", "maxLength": MAX_TEXT, "description": "More about it; may be empty"},
        "license": {"type": "string", "examples": ["CC-BY-4.0"],
                    "description": "The one SPDX license id you grant (no expressions such as 'MIT OR Apache-2.0')"},
        "modality": forms.modality("What kind of data it is; the file's extension must be a format of it"),
        "language": {"type": "string", "maxLength": 16, "pattern": LANGUAGE_TAG.pattern,
                     "description": "Its language as a BCP 47 tag ('en', 'pt-BR'); optional"},
        "consent": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                    "description": "The consent text you agree to; its SHA-256 is signed in the claim"},
        "text_field": forms.TEXT_FIELD,
        "topic": {"type": "string", "maxLength": MAX_TOPIC,
                  "description": "One of the topics governance keeps (GET /demand's `topics`); optional"},
    },
    required=["file", "title", "license", "modality", "consent"],
)  # fmt: skip
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
    "description": "Sent again with the same upload, it answers the contribution the first one made (200)",
}  # fmt: skip


_ALREADY_UPLOADED: dict[int | str, dict[str, Any]] = {
    200: {"model": ContributionPublic, "description": "These bytes (or this Idempotency-Key) were uploaded before"}
}


@router.post(
    "", status_code=201, response_model=ContributionPublic, responses={**_ALREADY_UPLOADED, **_ERRORS},
    openapi_extra={"requestBody": _UPLOAD_BODY, "parameters": [_IDEMPOTENCY_KEY]},
)  # fmt: skip
async def upload(
    phases: RequestPhases, request: Request, response: Response, me: CurrentContributor, settings: SettingsDep,
    storage: StorageDep, admission: UploadAllowance, is_topic: TopicCheckDep,
) -> ContributionPublic:  # fmt: skip
    """Upload a file (multipart: file, title, description, license, modality, language, consent, and optionally
    text_field: the field of each JSONL, CSV or Parquet record that holds its text, `text` by default; topic:
    one of the topics governance keeps, GET /demand's `topics`).

    201 with the new contribution; 200 with the existing one when these bytes (or this Idempotency-Key)
    were already uploaded by the same contributor.
    """
    limits = FormatLimits()
    contribution, created = await receive_upload(
        request, storage=storage, spool_dir=settings.spool_dir, max_bytes=settings.polyphony_max_upload_bytes,
        limits=limits, keep=partial(ingest, contributor=me, storage=storage, limits=limits, is_topic=is_topic),
        while_alive=admission.renew,
    )  # fmt: skip
    response.status_code = 201 if created else 200
    response.headers["Server-Timing"] = server_timing(phases)  # where the upload's time went, by phase
    return ContributionPublic.of(contribution)


@router.get("", response_model=Page[ContributionPublic], responses=_ERRORS)
def list_contributions(
    session: SessionDep,
    contributor: Annotated[str | None, Query(description="0x address; empty or left out: everyone's")] = None,
    status: ContributionStatus | None = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ContributionPublic]:
    """Contributions, newest first, by contributor and status, each with its latest score and its reward."""
    page, total = service.list_contributions(
        session,
        contributor=checksum_address(contributor, what="contributor") if contributor else None,
        status=status,
        offset=offset,
        limit=limit,
    )
    ids = [int(c.id or 0) for c in page]
    items = ContributionPublic.listed(page, scores.latest_of(session, ids), rewards_of(session, ids))
    return Page.of(items, total=total, offset=offset, limit=limit)


@router.get("/{contribution_id}", response_model=ContributionPublic, responses=_ERRORS)
def get_contribution(contribution_id: PathId, session: SessionDep) -> ContributionPublic:
    """One contribution with its status timeline, its score, each dimension and why."""
    contribution = service.get(session, contribution_id)
    timeline = list(service.timeline(session, contribution))
    public = ContributionPublic.of(contribution, timeline, scores.latest(session, contribution_id))
    public.reward = reward_of(session, contribution_id)
    return public


@router.get("/{contribution_id}/records", response_model=Page[RecordPublic], responses=_ERRORS)
def list_records(
    contribution_id: PathId,
    session: SessionDep,
    status: Annotated[Literal["kept", "dropped"] | None, Query(description="Only kept, or only dropped")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[RecordPublic]:
    """The documents of a contribution in upload order, each kept or dropped with the reason, by its latest score."""
    page, total = get_document_fates(session, contribution_id).page(status=status, offset=offset, limit=limit)
    return Page.of([RecordPublic.of(fate) for fate in page], total=total, offset=offset, limit=limit)


@router.get("/{contribution_id}/records/reasons", response_model=Page[DropReasonPublic], responses=_ERRORS)
def list_drop_reasons(
    contribution_id: PathId, session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> Page[DropReasonPublic]:
    """Why its documents were dropped, the most frequent reason first, by its latest score."""
    reasons = drop_reasons(get_document_fates(session, contribution_id))
    page = [DropReasonPublic.of(reason) for reason in reasons[offset : offset + limit]]
    return Page.of(page, total=len(reasons), offset=offset, limit=limit)


@router.get("/{contribution_id}/reward", response_model=ContributionRewardPublic, responses=_ERRORS)
def get_reward(contribution_id: PathId, session: SessionDep) -> ContributionRewardPublic:
    """What it was paid, by which epoch, and each term of the formula with what it means; `paid: false` before."""
    return ContributionRewardPublic.of(explain_reward(session, contribution_id))


@router.get("/{contribution_id}/claim", responses=_ERRORS)
def get_claim(
    contribution_id: PathId, session: SessionDep, me: CurrentContributor, deployment: DeploymentDep
) -> dict[str, Any]:
    """The EIP-712 typed data to sign (as `eth_signTypedData_v4` takes it) to claim a stored upload."""
    contribution = service.get_claimable(session, contribution_id, contributor=me)
    return claim_typed_data(contribution, deployment=deployment)


@router.post("/{contribution_id}/claim", response_model=ContributionPublic, responses=_ERRORS)
def post_claim(
    contribution_id: PathId, body: ClaimSignature, session: SessionDep, me: CurrentContributor,
    deployment: DeploymentDep, web3: Web3Dep,
) -> ContributionPublic:  # fmt: skip
    """Hand in the contributor's signature over the claim; the backend verifies it and keeps it."""
    contribution = service.get_own(session, contribution_id, contributor=me)
    signature = bytes.fromhex(body.signature[2:])
    claimed = accept_claim(session, contribution, signature=signature, deployment=deployment, web3=web3)
    return ContributionPublic.of(claimed, list(service.timeline(session, claimed)))


@router.get("/{contribution_id}/provenance", response_model=Provenance, responses=_ERRORS)
def get_provenance(contribution_id: PathId, session: SessionDep) -> Provenance:
    """The leaf, Merkle proof, root, batch manifest CID and anchoring transaction of a contribution."""
    contribution = service.get(session, contribution_id)
    return provenance_of(session, contribution)


@router.get("/{contribution_id}/revocation", responses=_ERRORS)
def get_revocation(
    contribution_id: PathId, session: SessionDep, me: CurrentContributor, deployment: DeploymentDep
) -> dict[str, Any]:
    """The EIP-712 typed data to sign to withdraw a contribution (valid for an hour)."""
    contribution = service.get_own(session, contribution_id, contributor=me)
    return revocation_typed_data(contribution, deployment=deployment)


@router.post("/{contribution_id}/revocation", response_model=TombstonePublic, status_code=201, responses=_ERRORS)
def post_revocation(
    contribution_id: PathId, body: RevocationSignature, session: SessionDep, me: CurrentContributor,
    deployment: DeploymentDep, web3: Web3Dep,
) -> TombstonePublic:  # fmt: skip
    """Withdraw a contribution: it is tombstoned and left out of every later manifest and pull."""
    contribution = service.get_own(session, contribution_id, contributor=me)
    tombstone = accept_revocation(
        session, contribution, signature=bytes.fromhex(body.signature[2:]), deadline=body.deadline,
        deployment=deployment, web3=web3,
    )  # fmt: skip
    return TombstonePublic.model_validate(tombstone, from_attributes=True)
