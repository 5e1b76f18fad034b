"""The refusals a client may switch on: each keeps its code and its HTTP status."""

import dataclasses
import json
from pathlib import Path

import pytest

from polyphony.contributions import errors
from polyphony.errors import BadRequest, UnsupportedMediaType
from polyphony.formats import errors as format_errors
from polyphony.formats.checks import check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.readers import FormatLimits

STABLE_CODES = {
    format_errors.UnknownModality: "unknown_modality",
    format_errors.ModalityMismatch: "modality_mismatch",
    format_errors.ContentTypeMismatch: "content_type_mismatch",
    format_errors.InvalidContent: "invalid_content",
    format_errors.EmptyFile: "empty_file",
    format_errors.FormatMismatch: "format_mismatch",
    format_errors.InvalidUtf8: "invalid_utf8",
    format_errors.NulByte: "nul_byte",
    format_errors.LineTooLong: "line_too_long",
    format_errors.NotJsonl: "not_jsonl",
    format_errors.InvalidCsv: "invalid_csv",
    format_errors.InvalidParquet: "invalid_parquet",
    format_errors.InvalidImage: "invalid_image",
    format_errors.DecompressionBomb: "decompression_bomb",
    errors.UnknownLicense: "unknown_license",
}


@pytest.mark.parametrize(("error", "code"), STABLE_CODES.items(), ids=lambda each: getattr(each, "__name__", each))
def test_each_refusal_keeps_its_code_and_is_a_bad_request(error: type[BadRequest], code: str) -> None:
    assert error.code == code
    assert issubclass(error, BadRequest)
    assert error.status_code == 400


def test_a_file_type_polyphony_does_not_take_is_an_unsupported_media_type() -> None:
    assert (format_errors.UnsupportedFormat.code, format_errors.UnsupportedFormat.status_code) == (
        "unsupported_format",
        415,
    )
    assert issubclass(format_errors.UnsupportedFormat, UnsupportedMediaType)


def test_located_errors_write_their_own_message() -> None:
    assert format_errors.InvalidUtf8(offset=12).message.startswith(
        "The file is not valid UTF-8: the byte at offset 12 "
    )
    assert format_errors.NotJsonl("holds a JSON array, not an object", line=3).message == (
        "Line 3 holds a JSON array, not an object; a .jsonl file holds one JSON object per line."
    )
    assert format_errors.InvalidCsv("unexpected end of data", line=2).line == 2


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
