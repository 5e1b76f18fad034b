"""From an arriving upload to a stored contribution, with nothing lost or half-written on the way.

1. while the file arrives it is staged in storage (blocks written, nothing pinned: a staging of this process)
   and, for the line formats, checked (streaming.py); a refusal stops both and removes what was staged at once;
2. once the upload is in and checked (format, license, metadata), the contribution is written as `storing`
   with its CID and committed;
3. the CID is pinned, then the contribution is marked `stored` and committed.
A crash before 2 leaves a staging and at most a spool file, both named by the process that made them: once
that process has ended, the next sweep removes them (leftovers.py, every POLYPHONY_UPLOAD_SWEEP_S). A crash
between 2 and 3 leaves a `storing` row, which `sweep_unfinished` removes after unpinning its CID, unless
another contribution holds the same bytes. No record ever points at missing bytes,
and no pin outlives its sweep.
"""

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

from sqlmodel import Session, col, delete, select

from polyphony.clock import utcnow
from polyphony.contributions import service
from polyphony.contributions.errors import InvalidMetadata
from polyphony.contributions.leftovers import sweep_abandoned
from polyphony.contributions.licenses import check_license
from polyphony.db import session_scope
from polyphony.formats.checks import ContentReport, check_content
from polyphony.formats.declared import declared_format, declared_text_field
from polyphony.formats.readers import FormatLimits
from polyphony.models.contribution import Contribution, ContributionEvent, ContributionStatus
from polyphony.storage.base import Storage, StoredBlob
from polyphony.storage.errors import BlobNotFound, StorageUnavailable
from polyphony.storage.staging import Staging
from polyphony.timing import phase, since

MAX_TITLE = 200
MAX_TEXT = 10_000
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # BCP 47, the common shapes: en, pt-BR, zh-Hant
STALE_AFTER = timedelta(hours=1)
MAX_TOPIC = 64  # the demand registry's longest value
# Whether a topic is on the list governance keeps (the demand registry's `isTopic`): asked only of a declared one.
TopicCheck = Callable[[str], bool]


@dataclass(frozen=True)
class ReceivedUpload:
    """An upload as the API received it: its bytes staged in storage (not pinned), the text fields as sent.

    `report` is the format check's when it ran as the bytes arrived; otherwise the file waits in `spool_path`.
    """

    blob: StoredBlob
    report: ContentReport | None
    spool_path: Path | None
    filename: str
    content_type: str | None
    fields: dict[str, str]
    idempotency_key: str | None
    staging: Staging | None = None


def ingest(
    upload: ReceivedUpload, *, contributor: str, storage: Storage, limits: FormatLimits, is_topic: TopicCheck
) -> tuple[Contribution, bool]:
    """Keep `upload` as `contributor`'s contribution; True when it is new, False when it existed."""
    with phase("metadata"):
        facts = check_upload(upload, contributor=contributor, limits=limits, is_topic=is_topic)
    # One session, two transactions: the `storing` row (step 2) is committed while the store readies the pin (a
    # commit and a sync are both waits), and is committed before the pin is written (step 3).
    with session_scope() as session:
        started = time.perf_counter()
        existing = service.find_same_upload(
            session, contributor=contributor, sha256=facts.sha256, idempotency_key=facts.idempotency_key
        )
        if existing is not None and existing.status != ContributionStatus.STORING:
            since("commit_storing", started)
            return existing, False
        contribution = existing or service.begin_upload(session, facts=facts)
        contribution.cid = upload.blob.cid  # what the sweep unpins if the pin below is never followed up
        session.add(contribution)
        committed = [started]

        def commit_storing() -> None:
            session.commit()
            committed[0] = time.perf_counter()

        _pin(storage, upload.blob.cid, staging=upload.staging, first=commit_storing)
        pinned = time.perf_counter()
        since("commit_storing", started, until=committed[0])
        since("pin", committed[0], until=pinned)
        with phase("commit_stored"):
            service.mark_stored(session, contribution, blob=upload.blob)
            session.commit()
    return contribution, True


def _pin(storage: Storage, cid: str, *, staging: Staging | None, first: Callable[[], None]) -> None:
    try:
        if staging is None:
            first()
            storage.pin(cid)
        else:
            storage.pin_staged(staging, cid, first=first)
    except BlobNotFound:  # garbage collection ran between the staging and the pin: rare, and harmless to retry
        raise StorageUnavailable("the upload was collected from storage before it was kept: send it again") from None


def check_upload(
    upload: ReceivedUpload, *, contributor: str, limits: FormatLimits, is_topic: TopicCheck
) -> service.UploadFacts:
    """Everything an upload must be before anything of it is kept; the first problem raises."""
    fields = upload.fields
    modality = fields.get("modality", "").strip()
    content_format = declared_format(upload.filename, modality=modality, content_type=upload.content_type)
    report = upload.report
    if report is None:
        assert upload.spool_path is not None, "an upload not checked as it arrived is spooled"
        report = check_content(upload.spool_path, fmt=content_format, limits=limits)
    assert report.format == content_format and report.size == upload.blob.size, "checked other bytes or format"
    consent = _required(fields, "consent", MAX_TEXT)
    return service.UploadFacts(
        contributor=contributor, sha256=upload.blob.sha256, size=upload.blob.size, filename=upload.filename[:255],
        content_format=str(content_format), modality=modality,
        text_field=declared_text_field(fields.get("text_field"), fmt=content_format, modality=modality),
        title=_required(fields, "title", MAX_TITLE),
        description=_optional(fields.get("description"), "description", MAX_TEXT) or "",
        license=check_license(fields.get("license", "").strip()), language=_language(fields),
        topic=_topic(fields, is_topic), consent_text=consent, consent_sha256=sha256(consent.encode()).hexdigest(),
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


def _topic(fields: dict[str, str], is_topic: TopicCheck) -> str | None:
    topic = _optional(fields.get("topic"), "topic", MAX_TOPIC)
    if topic is not None and not is_topic(topic):
        raise InvalidMetadata(
            f"'{topic}' is not one of the topics governance keeps: choose one GET /demand lists in `topics`, "
            "or leave the topic out"
        )
    return topic


def sweep_unfinished(*, storage: Storage, spool_dir: Path, older_than: timedelta = STALE_AFTER) -> int:
    """Remove what crashed uploads left: stale `storing` rows, their pins, stale spool files, and the stagings and
    spool files of uploads whose process has ended; how many rows."""
    cutoff = utcnow() - older_than
    with session_scope() as session:
        stale = session.exec(
            select(Contribution).where(
                Contribution.status == ContributionStatus.STORING, col(Contribution.created_at) < cutoff
            )
        ).all()
        for contribution in stale:
            if contribution.cid is not None:
                _unpin_unless_held(session, storage, contribution.cid)
            session.exec(delete(ContributionEvent).where(col(ContributionEvent.contribution_id) == contribution.id))
            session.delete(contribution)
    sweep_abandoned(storage=storage, spool_dir=spool_dir, unowned_before=cutoff.timestamp())
    return len(stale)


def _unpin_unless_held(session: Session, storage: Storage, cid: str) -> None:
    """Unpin what a crashed upload may have pinned, unless another contribution holds the same bytes."""
    held = select(Contribution.id).where(Contribution.cid == cid, Contribution.status != ContributionStatus.STORING)
    if session.exec(held).first() is None:
        storage.unpin(cid)
