"""A crash between storage and database: the sweep leaves no orphan pin and no record without bytes."""

import io
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import update

from polyphony.contributions.formats import FormatLimits
from polyphony.contributions.ingest import ReceivedUpload, check_upload, parked_path, sweep_unfinished
from polyphony.contributions.service import UploadFacts, begin_upload, mark_stored
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution
from polyphony.models.job import utcnow
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.local import LocalStorage
from tests.integration.api.contributor_flows import FORM

CONTRIBUTOR = "0x" + "ab" * 20


def _crash_after_storing(settings: Settings, content: bytes, *, reach_storage: bool) -> tuple[int, Path, str]:
    """Run an upload up to the storage write (or not), then stop as a killed process would."""
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    spooled = settings.spool_dir / f"incoming-{sha256(content).hexdigest()[:8]}"
    spooled.write_bytes(content)
    upload = ReceivedUpload(spooled, len(content), sha256(content).hexdigest(), "crash.jsonl", None, FORM, None)
    facts = check_upload(upload, contributor=CONTRIBUTOR, limits=FormatLimits())
    with session_scope() as session:
        contribution = begin_upload(session, facts=facts)
    parked = spooled.replace(parked_path(settings.spool_dir, contribution))
    cid = storage_from_settings(settings).add(parked.open("rb")).cid if reach_storage else ""
    with session_scope() as session:  # an hour later, nothing has finished it
        aged = update(Contribution).where(Contribution.id == contribution.id)  # type: ignore[arg-type]
        session.exec(aged.values(created_at=utcnow() - timedelta(hours=2)))  # type: ignore[call-overload]
    return int(contribution.id or 0), parked, cid


def _exists(contribution_id: int) -> bool:
    with session_scope() as session:
        return session.get(Contribution, contribution_id) is not None


def _collected(storage: Storage, cid: str) -> bool:
    if isinstance(storage, LocalStorage):
        storage.gc()
        return not storage.has(cid)
    return True  # a Kubo node collects unpinned blocks by itself, later; the unpin is what we control


def test_bytes_stored_before_the_crash_are_unpinned_and_the_row_removed(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    contribution_id, parked, cid = _crash_after_storing(settings, b'{"crash": "after storage"}\n', reach_storage=True)
    assert sweep_unfinished(storage=storage, spool_dir=settings.spool_dir) >= 1
    assert not _exists(contribution_id) and not parked.exists()
    assert _collected(storage, cid)


def test_a_crash_before_storage_leaves_only_a_row_and_it_goes(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    contribution_id, parked, _ = _crash_after_storing(settings, b'{"crash": "before storage"}\n', reach_storage=False)
    sweep_unfinished(storage=storage, spool_dir=settings.spool_dir)
    assert not _exists(contribution_id) and not parked.exists()


def test_the_sweep_keeps_bytes_another_contribution_holds(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    content = b'{"shared": "bytes"}\n'
    kept = storage.add(io.BytesIO(content))
    with session_scope() as session:  # someone else's finished contribution of the very same bytes
        upload = ReceivedUpload(Path("unused"), len(content), sha256(content).hexdigest(), "s.jsonl", None, FORM, None)
        other = begin_upload(session, facts=_facts_without_checks(upload, contributor="0x" + "cd" * 20))
        mark_stored(session, other, blob=kept)
    _crash_after_storing(settings, content, reach_storage=True)
    sweep_unfinished(storage=storage, spool_dir=settings.spool_dir)
    assert storage.has(kept.cid)
    if isinstance(storage, LocalStorage):
        storage.gc()
        assert storage.has(kept.cid)


def _facts_without_checks(upload: ReceivedUpload, *, contributor: str) -> UploadFacts:
    return UploadFacts(
        contributor=contributor, sha256=upload.sha256, size=upload.size, filename=upload.filename,
        content_format="jsonl", modality="text", title="t", description="", license="MIT", language=None,
        consent_text="yes", consent_sha256=sha256(b"yes").hexdigest(), content_report={}, idempotency_key=None,
    )  # fmt: skip
