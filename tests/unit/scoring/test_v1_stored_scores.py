"""Scores given under policy v1 verify byte for byte: its reading rules are frozen behind its version.

`tests/fixtures/scoring/v1_stored/reports.json` holds the v1 reports of files that passed the upload check (text,
JSON Lines and CSV with CRLF, BOMs, blank lines and quoted multi-line cells; Parquet with plain, large and
dictionary-encoded strings; PNG and JPEG), computed when v1 was the scoring code's only reader. Any change to how
records are read must leave every one of these reports unchanged.
"""

import json
from pathlib import Path

import pytest

from polyphony.scoring import Duplicates, analyse, finalise, load_policy, report_bytes

STORED = Path(__file__).resolve().parents[2] / "fixtures" / "scoring" / "v1_stored"
POLICY = load_policy("v1")
REPORTS = json.loads((STORED / "reports.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stored", REPORTS, ids=[entry["file"] for entry in REPORTS])
def test_a_stored_v1_score_is_recomputed_byte_for_byte(stored: dict[str, str]) -> None:
    content = (STORED / stored["file"]).read_bytes()
    analysis = analyse(content, content_format=stored["format"], modality=stored["modality"], policy=POLICY)
    report = report_bytes(finalise(analysis, duplicates=Duplicates(), policy=POLICY))
    assert report.decode() == stored["report"]
