"""What a file would score, without storing anything: the offline scorer (`polyphony score`) and
`POST /scores/preview`.

The file is checked as an upload is (a file the upload refuses is refused here, with the same code), then scored
by the current policy exactly as a scoring worker scores it, except for copies of other contributions, which only
the shared index knows. Policy v2 keeps or drops each document of a text upload and each row of a table; a
failing upload keeps none.
"""

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from polyphony.formats.checks import check_content
from polyphony.formats.declared import ContentFormat, Modality, declared_text_field, format_of
from polyphony.formats.readers import FormatLimits
from polyphony.scores.documents import DocumentFates
from polyphony.scoring import Duplicates, analyse, current_policy, finalise

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ScorePreview:
    """A file's score, verdict and dimensions, and how many of its documents (`records`) would be kept."""

    score: int
    verdict: str
    records: int
    kept_records: int
    policy_hash: str
    summary: str
    dimensions: dict[str, Any]

    def to_json(self, *, file: str) -> dict[str, Any]:
        """The report as `polyphony score --json` prints it and `POST /scores/preview` answers it."""
        return {"file": file, **self.__dict__}


def preview_file(
    path: Path, *, fmt: ContentFormat, modality: Modality, limits: FormatLimits, text_field: str | None = None
) -> ScorePreview:
    """Check the file at `path` as an upload, then score it under the current policy; raises the upload's errors.
    `text_field` names the field of a record that holds its text, as the upload's field of that name does."""
    field = declared_text_field(text_field, fmt=fmt, modality=modality)
    checked = check_content(path, fmt=fmt, limits=limits)
    policy, _ = current_policy()
    analysis = analyse(path.read_bytes(), content_format=fmt, modality=modality, policy=policy, text_field=field)
    report = finalise(analysis, duplicates=Duplicates(), policy=policy)
    records, kept = _documents(report.documents, verdict=report.verdict, fmt=fmt, checked_records=checked.records)
    return ScorePreview(
        score=report.score, verdict=report.verdict, records=records, kept_records=kept,
        policy_hash=report.policy_hash, summary=report.summary,
        dimensions={name: dict(value) for name, value in report.dimensions.items()},
    )  # fmt: skip


def _documents(
    decisions: Mapping[str, Any] | None, *, verdict: str, fmt: ContentFormat, checked_records: int
) -> tuple[int, int]:
    """Documents read and kept: as the policy decided each, or, where it judges the file as a whole (v1, images),
    all of them or none. A document is a record of a JSONL, CSV or Parquet file, or a whole text file."""
    if decisions is not None:
        fates = DocumentFates.of(decisions)
        return fates.count, fates.kept_in(verdict)
    documents = 1 if fmt is ContentFormat.TEXT else checked_records
    return documents, documents if verdict == "pass" else 0


def preview_upload(
    stream: BinaryIO, *, filename: str, format_name: str | None, modality: str | None, spool_dir: Path,
    limits: FormatLimits, text_field: str | None = None,
) -> ScorePreview:  # fmt: skip
    """`preview_file` of bytes sent over HTTP: written to a spool file that is removed once scored, whatever happens."""
    fmt, kind = format_of(filename, format_name=format_name, modality=modality)
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, prefix="preview-") as spooled:
        shutil.copyfileobj(stream, spooled, CHUNK_BYTES)
        spooled.flush()
        return preview_file(Path(spooled.name), fmt=fmt, modality=kind, limits=limits, text_field=text_field)
