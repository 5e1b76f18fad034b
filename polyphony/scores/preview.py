"""What a file would score, without storing anything: the offline scorer (`polyphony score`) and
`POST /scores/preview`.

The file is checked as an upload is (a file the upload refuses is refused here, with the same code), then scored
by the current policy exactly as a scoring worker scores it, except for copies of other contributions, which only
the shared index knows. Policy v1 judges a file as a whole: every record of a passing file is kept and paid, no
record of a failing one.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polyphony.formats.checks import check_content
from polyphony.formats.declared import ContentFormat, Modality
from polyphony.formats.readers import FormatLimits
from polyphony.scoring import Duplicates, analyse, current_policy, finalise


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


def preview_file(path: Path, *, fmt: ContentFormat, modality: Modality, limits: FormatLimits) -> ScorePreview:
    """Check the file at `path` as an upload, then score it under the current policy; raises the upload's errors."""
    checked = check_content(path, fmt=fmt, limits=limits)
    # A document is a record of a JSONL, CSV or Parquet file, or a whole plain-text file.
    documents = 1 if fmt is ContentFormat.TEXT else checked.records
    policy, _ = current_policy()
    analysis = analyse(path.read_bytes(), content_format=fmt, modality=modality, policy=policy)
    report = finalise(analysis, duplicates=Duplicates(), policy=policy)
    return ScorePreview(
        score=report.score, verdict=report.verdict, records=documents,
        kept_records=documents if report.verdict == "pass" else 0, policy_hash=report.policy_hash,
        summary=report.summary, dimensions={name: dict(value) for name, value in report.dimensions.items()},
    )  # fmt: skip
