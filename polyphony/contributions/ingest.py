"""From a received upload to a stored contribution, with nothing lost or half-written on the way.

1. check the upload (format, license, metadata): a refused upload leaves nothing behind;
2. write the contribution as `storing` and commit, then park the spool file under its id;
3. add the bytes to storage (which pins them), then mark the contribution `stored` and commit.
A crash between 2 and 3 leaves a `storing` row and its parked file: `sweep_unfinished` finds them, unpins
what storage may already hold (its CID is recomputed from the parked file), and removes both. No record ever
points at missing bytes, and no pin outlives its sweep.
"""

import dataclasses
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

from sqlmodel import Session, col, delete, select

from polyphony.contributions import service
from polyphony.contributions.errors import InvalidMetadata
from polyphony.contributions.formats import FormatLimits, check_content, declared_format
from polyphony.contributions.licenses import check_license
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution, ContributionEvent, ContributionStatus
from polyphony.models.job import utcnow
from polyphony.storage.base import Storage
from polyphony.storage.errors import BlobNotFound
from polyphony.storage.unixfs import import_file

MAX_TITLE = 200
MAX_TEXT = 10_000
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # BCP 47, the common shapes: en, pt-BR, zh-Hant
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class ReceivedUpload:
    """An upload as the API received it: the file spooled to disk and hashed, the text fields as sent."""

    path: Path
    size: int
    sha256: str
    filename: str
    content_type: str | None
    fields: dict[str, str]
    idempotency_key: str | None


def ingest(
    upload: ReceivedUpload, *, contributor: str, storage: Storage, spool_dir: Path, limits: FormatLimits
) -> tuple[Contribution, bool]:
    """Store `upload` as `contributor`'s contribution; True when it is new, False when it existed."""
    facts = check_upload(upload, contributor=contributor, limits=limits)
    with session_scope() as session:
        existing = service.find_same_upload(
            session, contributor=contributor, sha256=facts.sha256, idempotency_key=facts.idempotency_key
        )
        if existing is not None and existing.status != ContributionStatus.STORING:
            return existing, False
        contribution = existing or service.begin_upload(session, facts=facts)
    parked = upload.path.replace(parked_path(spool_dir, contribution))
    with parked.open("rb") as content:
        blob = storage.add(content)
    with session_scope() as session:
        stored = service.mark_stored(session, session.merge(contribution), blob=blob)
    parked.unlink()
    return stored, True


def check_upload(upload: ReceivedUpload, *, contributor: str, limits: FormatLimits) -> service.UploadFacts:
    """Everything an upload must be before anything of it is kept; the first problem raises."""
    fields = upload.fields
    modality = fields.get("modality", "").strip()
    content_format = declared_format(upload.filename, modality=modality, content_type=upload.content_type)
    report = check_content(upload.path, fmt=content_format, limits=limits)
    consent = _required(fields, "consent", MAX_TEXT)
    return service.UploadFacts(
        contributor=contributor, sha256=upload.sha256, size=upload.size, filename=upload.filename[:255],
        content_format=str(content_format), modality=modality, title=_required(fields, "title", MAX_TITLE),
        description=_optional(fields.get("description"), "description", MAX_TEXT) or "",
        license=check_license(fields.get("license", "").strip()), language=_language(fields),
        consent_text=consent, consent_sha256=sha256(consent.encode()).hexdigest(),
        content_report=dataclasses.asdict(report),
        idempotency_key=_optional(upload.idempotency_key, "Idempotency-Key", 200),
    )  # fmt: skip


def _required(fields: dict[str, str], name: str, longest: int) -> str:
    value = _optional(fields.get(name), name, longest)
    if not value:
        raise InvalidMetadata(f"the field '{name}' is required")
    return value


def _optional(given: str | None, name: str, longest: int) -> str | None:
    value = (given or "").strip()
    if len(value) > longest:
        raise InvalidMetadata(f"the field '{name}' is longer than {longest:,} characters")
    return value or None


def _language(fields: dict[str, str]) -> str | None:
    language = _optional(fields.get("language"), "language", 16)
    if language is not None and not LANGUAGE_TAG.match(language):
        raise InvalidMetadata(f"'{language}' is not a language tag: use one like 'en', 'fr' or 'pt-BR'")
    return language


def parked_path(spool_dir: Path, contribution: Contribution) -> Path:
    """Where an upload's spool file waits, named by its contribution, until its bytes are stored."""
    return spool_dir / f"contribution-{contribution.id}"


def sweep_unfinished(*, storage: Storage, spool_dir: Path, older_than: timedelta = STALE_AFTER) -> int:
    """Remove what crashed uploads left: stale `storing` rows, their pins and spool files; return how many."""
    cutoff = utcnow() - older_than
    with session_scope() as session:
        stale = session.exec(
            select(Contribution).where(
                Contribution.status == ContributionStatus.STORING, col(Contribution.created_at) < cutoff
            )
        ).all()
        for contribution in stale:
            _unpin_parked(session, storage, parked_path(spool_dir, contribution))
            session.exec(delete(ContributionEvent).where(col(ContributionEvent.contribution_id) == contribution.id))
            session.delete(contribution)
    _remove_stray_spool_files(spool_dir, cutoff.timestamp())
    return len(stale)


def _unpin_parked(session: Session, storage: Storage, parked: Path) -> None:
    """Unpin what a crashed upload may have stored, unless another contribution holds the same bytes."""
    if not parked.exists():
        return
    with parked.open("rb") as content:
        cid = import_file(content, put_block=lambda _cid, _block: None).cid
    held = select(Contribution.id).where(Contribution.cid == cid, Contribution.status != ContributionStatus.STORING)
    if session.exec(held).first() is None:
        with suppress(BlobNotFound):  # the crash came before the bytes reached storage
            storage.unpin(cid)
    parked.unlink()


def _remove_stray_spool_files(spool_dir: Path, cutoff: float) -> None:
    for path in spool_dir.glob("incoming-*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
