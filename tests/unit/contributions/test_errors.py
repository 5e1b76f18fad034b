"""The refusals a client may switch on: each keeps its code and its HTTP status."""

import dataclasses
import json
from pathlib import Path

import pytest

from polyphony.contributions import errors
from polyphony.contributions.formats import ContentFormat, FormatLimits, check_content
from polyphony.errors import BadRequest

STABLE_CODES = {
    errors.UnknownModality: "unknown_modality",
    errors.UnsupportedFormat: "unsupported_format",
    errors.ModalityMismatch: "modality_mismatch",
    errors.ContentTypeMismatch: "content_type_mismatch",
    errors.InvalidContent: "invalid_content",
    errors.EmptyFile: "empty_file",
    errors.FormatMismatch: "format_mismatch",
    errors.InvalidUtf8: "invalid_utf8",
    errors.NulByte: "nul_byte",
    errors.LineTooLong: "line_too_long",
    errors.NotJsonl: "not_jsonl",
    errors.InvalidCsv: "invalid_csv",
    errors.InvalidParquet: "invalid_parquet",
    errors.InvalidImage: "invalid_image",
    errors.DecompressionBomb: "decompression_bomb",
    errors.UnknownLicense: "unknown_license",
}


@pytest.mark.parametrize(("error", "code"), STABLE_CODES.items(), ids=lambda each: getattr(each, "__name__", each))
def test_each_refusal_keeps_its_code_and_is_a_bad_request(error: type[BadRequest], code: str) -> None:
    assert error.code == code
    assert issubclass(error, BadRequest)
    assert error.status_code == 400


def test_located_errors_write_their_own_message() -> None:
    assert errors.InvalidUtf8(offset=12).message.startswith("The file is not valid UTF-8: the byte at offset 12 ")
    assert errors.NotJsonl("holds a JSON array, not an object", line=3).message == (
        "Line 3 holds a JSON array, not an object; a .jsonl file holds one JSON object per line."
    )
    assert errors.InvalidCsv("unexpected end of data", line=2).line == 2


def test_a_report_stores_as_json(tmp_path: Path) -> None:
    upload = tmp_path / "upload.csv"
    upload.write_bytes(b"text,label\nhi,1\n")
    report = check_content(upload, fmt=ContentFormat.CSV, limits=FormatLimits())
    assert json.loads(json.dumps(dataclasses.asdict(report))) == {
        "format": "csv",
        "size": 16,
        "records": 1,
        "fields": ["text", "label"],
        "width": None,
        "height": None,
    }
