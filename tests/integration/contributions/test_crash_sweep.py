"""A crash at any point of an upload: the sweep and garbage collection leave no orphan pin, no stale spool file
and no record without bytes."""

import io
import os
import time
from datetime import timedelta
from hashlib import sha256

from sqlalchemy.engine import Engine
from sqlmodel import update

from polyphony.clock import utcnow
from polyphony.contributions.ingest import ReceivedUpload, check_upload, sweep_unfinished
from polyphony.contributions.service import UploadFacts, begin_upload, mark_stored
from polyphony.db import session_scope
from polyphony.formats.checks import check_stream
from polyphony.formats.declared import ContentFormat
from polyphony.formats.readers import FormatLimits
from polyphony.models.contribution import Contribution
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.local import LocalStorage
from tests.support.contributor_flows import FORM

CONTRIBUTOR = "0x" + "ab" * 20


def _staged(storage: Storage, content: bytes) -> ReceivedUpload:
    """An upload received whole: its bytes staged in storage (not pinned) and checked, as the API leaves it."""
    blob = storage.add(io.BytesIO(content), pin=False)
    report = check_stream(io.BufferedReader(io.BytesIO(content)), fmt=ContentFormat.JSONL, limits=FormatLimits())  # type: ignore[arg-type]
    return ReceivedUpload(blob, report, None, "crash.jsonl", None, FORM, None)


def _crash_after_the_row(storage: Storage, content: bytes, *, pinned: bool) -> tuple[int, str]:
    """Run an upload up to its `storing` row (and its pin, or not), then stop as a killed process would."""
    upload = _staged(storage, content)
    facts = check_upload(upload, contributor=CONTRIBUTOR, limits=FormatLimits(), is_topic=lambda _: False)
    with session_scope() as session:
        contribution = begin_upload(session, facts=facts)
        contribution.cid = upload.blob.cid
        session.add(contribution)
    if pinned:
        storage.pin(upload.blob.cid)
    with session_scope() as session:  # an hour later, nothing has finished it
        aged = update(Contribution).where(Contribution.id == contribution.id)  # type: ignore[arg-type]
        session.exec(aged.values(created_at=utcnow() - timedelta(hours=2)))  # type: ignore[call-overload]
    return int(contribution.id or 0), upload.blob.cid


def _exists(contribution_id: int) -> bool:
    with session_scope() as session:
        return session.get(Contribution, contribution_id) is not None


def _collected(storage: Storage, cid: str) -> bool:
    if isinstance(storage, LocalStorage):
        storage.gc()
        return not storage.has(cid)
    return True  # a Kubo node collects unpinned blocks by itself, later; the unpin is what we control


def test_a_crash_after_the_pin_is_unpinned_and_the_row_removed(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    contribution_id, cid = _crash_after_the_row(storage, b'{"crash": "after the pin"}\n', pinned=True)
    assert sweep_unfinished(storage=storage, spool_dir=settings.spool_dir) >= 1
    assert not _exists(contribution_id)
    assert _collected(storage, cid)


def test_a_crash_before_the_pin_leaves_a_row_and_staged_blocks_and_both_go(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    contribution_id, cid = _crash_after_the_row(storage, b'{"crash": "before the pin"}\n', pinned=False)
    sweep_unfinished(storage=storage, spool_dir=settings.spool_dir)
    assert not _exists(contribution_id)
    assert _collected(storage, cid)


def test_a_crash_mid_upload_leaves_only_unpinned_blocks_and_a_spool_file_and_both_go(
    settings: Settings, engine: Engine
) -> None:
    storage = storage_from_settings(settings)
    cid = _staged(storage, b'{"crash": "while the body arrived"}\n').blob.cid
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    spooled = settings.spool_dir / f"incoming-{os.urandom(8).hex()}"
    spooled.write_bytes(b'{"half": ')
    two_hours_ago = time.time() - 7200
    os.utime(spooled, (two_hours_ago, two_hours_ago))
    sweep_unfinished(storage=storage, spool_dir=settings.spool_dir)
    assert not spooled.exists()
    assert _collected(storage, cid)


def test_the_sweep_keeps_a_spool_file_still_arriving(settings: Settings, engine: Engine) -> None:
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    arriving = settings.spool_dir / f"incoming-{os.urandom(8).hex()}"
    arriving.write_bytes(b'{"still": ')
    sweep_unfinished(storage=storage_from_settings(settings), spool_dir=settings.spool_dir)
    assert arriving.exists()
    arriving.unlink()


def test_the_sweep_keeps_bytes_another_contribution_holds(settings: Settings, engine: Engine) -> None:
    storage = storage_from_settings(settings)
    content = b'{"shared": "bytes"}\n'
    kept = storage.add(io.BytesIO(content))
    with session_scope() as session:  # someone else's finished contribution of the very same bytes
        other = begin_upload(session, facts=_facts_without_checks(content, contributor="0x" + "cd" * 20))
        mark_stored(session, other, blob=kept)
    _crash_after_the_row(storage, content, pinned=True)
    sweep_unfinished(storage=storage, spool_dir=settings.spool_dir)
    assert storage.has(kept.cid)
    if isinstance(storage, LocalStorage):
        storage.gc()
        assert storage.has(kept.cid)


def _facts_without_checks(content: bytes, *, contributor: str) -> UploadFacts:
    return UploadFacts(
        contributor=contributor, sha256=sha256(content).hexdigest(), size=len(content), filename="s.jsonl",
        content_format="jsonl", modality="text", text_field=None, title="t", description="", license="MIT",
        language=None, topic=None, consent_text="yes", consent_sha256=sha256(b"yes").hexdigest(), content_report={},
        idempotency_key=None,
    )  # fmt: skip
