"""The scorer reads through the upload's own readers: it refuses what the upload refuses, with the same code and
words, and on every file the upload accepts it reads the same units as policy v1's frozen rules (but for the
string columns v1 did not count)."""

import dataclasses
import io
import json
from pathlib import Path

import pytest

from polyphony.formats.checks import check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import InvalidContent
from polyphony.formats.readers import FormatLimits, TextLines
from polyphony.scoring import Policy, load_policy
from polyphony.scoring.parse import parse, read
from polyphony.scoring.parse_v1 import parse_v1

STORED = Path(__file__).resolve().parents[2] / "fixtures" / "scoring" / "v1_stored"
V1 = load_policy("v1")
LATER = Policy(version="v-later", config=V1.config)  # any policy after v1 reads through the shared readers
ACCEPTED = json.loads((STORED / "reports.json").read_text(encoding="utf-8"))
# v1 took only plain `string` Parquet columns as text; the shared reader also reads large and dictionary strings.
V1_SKIPPED_TEXT = {"typed.parquet"}


@pytest.mark.parametrize("stored", ACCEPTED, ids=[entry["file"] for entry in ACCEPTED])
def test_an_accepted_file_reads_as_v1_read_it(stored: dict[str, str]) -> None:
    content = (STORED / stored["file"]).read_bytes()
    shared = read(content, content_format=stored["format"], config=V1.config)
    frozen = parse_v1(content, content_format=stored["format"], config=V1.config)
    assert shared.ok and frozen.ok
    documents = {"text": 1, "png": 0, "jpeg": 0}.get(stored["format"], shared.records)  # images hold no text
    assert frozen.documents == () and len(shared.documents) == documents
    if stored["file"] in V1_SKIPPED_TEXT:
        assert shared.units != frozen.units and shared.records == frozen.records
        for v1_row, shared_row in zip(frozen.units, shared.units, strict=True):
            assert set(v1_row.split("\t")) - {""} <= set(shared_row.split("\t"))
    else:  # the same, but for the documents (v1 judged no document on its own)
        assert dataclasses.replace(shared, documents=()) == frozen


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("jsonl", b'{"text": "a number that is not one", "value": NaN}\n'),
        ("jsonl", b'{"text": "fine"}\n{"text": "cut'),
        ("jsonl", b'[{"text": "an array of records"}]\n'),
        ("csv", b"text,label\nfirst row,1\nsecond row\n"),
        ("csv", b"text,text\na,b\n"),
        ("text", b"caf\xe9 in Latin-1\n"),
        ("text", b"a NUL \x00 byte\n"),
        ("text", b"fine\n" + b"a line too long " * (FormatLimits().max_line_bytes // 16) + b"\n"),
        ("text", b"\x89PNG\r\n\x1a\n a PNG named .txt"),
        ("parquet", b"PAR1 not really a Parquet file PAR1"),
        ("png", b"\x89PNG\r\n\x1a\n truncated"),
    ],
)
def test_the_scorer_refuses_what_the_upload_refuses_with_the_same_code_and_words(
    tmp_path: Path, fmt: str, content: bytes
) -> None:
    upload = tmp_path / "upload"
    upload.write_bytes(content)
    with pytest.raises(InvalidContent) as refused:
        check_content(upload, fmt=ContentFormat(fmt), limits=FormatLimits())
    scored = read(content, content_format=fmt, config=V1.config)
    assert not scored.ok
    assert (scored.validity.reason, scored.validity.explanation) == (refused.value.code, refused.value.message)


def test_v1_keeps_its_own_rules_and_later_policies_read_through_the_shared_readers() -> None:
    nan = b'{"text": "NaN is no JSON value", "value": NaN}\n'
    assert parse(nan, content_format="jsonl", policy=V1).ok  # frozen: v1 never saw such a file from an upload
    assert parse(nan, content_format="jsonl", policy=LATER).validity.reason == "not_jsonl"


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfA byte order mark first.\r\nThen CRLF lines.\r\n\r\nA second paragraph.\r\n",
        b"No line break at the end",
        "Accents, \u00e9t\u00e9, and a \ufeff inside.\n\n\n".encode(),
    ],
)
def test_a_text_file_read_at_once_is_the_text_its_lines_hold(content: bytes) -> None:
    lines = "".join(line for _, line in TextLines(io.BytesIO(content), limits=FormatLimits()))
    assert read(content, content_format="text", config=LATER.config).text == lines.replace("\r\n", "\n")
