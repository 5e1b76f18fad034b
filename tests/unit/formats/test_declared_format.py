"""Which format an upload claims: its modality, the file name's extension and, if sent, its content type."""

import pytest

from polyphony.errors import PolyphonyError
from polyphony.formats.declared import ContentFormat, declared_format
from polyphony.formats.errors import ContentTypeMismatch, ModalityMismatch, UnknownModality, UnsupportedFormat


@pytest.mark.parametrize(
    ("filename", "modality", "content_type", "expected"),
    [
        ("corpus.jsonl", "text", None, ContentFormat.JSONL),
        ("corpus.jsonl", "tabular", "application/x-ndjson", ContentFormat.JSONL),
        ("Table.CSV", "tabular", "text/csv; charset=utf-8", ContentFormat.CSV),
        ("table.csv", "tabular", "application/vnd.ms-excel", ContentFormat.CSV),  # what Windows browsers send
        ("table.parquet", "tabular", "application/vnd.apache.parquet", ContentFormat.PARQUET),
        ("docs.parquet", "text", "application/octet-stream", ContentFormat.PARQUET),
        ("notes.txt", "text", "text/plain", ContentFormat.TEXT),
        ("README.md", " Text ", "text/markdown", ContentFormat.TEXT),
        ("photo.png", "image", "image/png", ContentFormat.PNG),
        ("photo.JPG", "image", "image/jpeg", ContentFormat.JPEG),
        ("photo.jpeg", "image", "", ContentFormat.JPEG),
        ("my.holiday.photo.jpeg", "image", None, ContentFormat.JPEG),
    ],
)
def test_accepted_names_declare_their_format(
    filename: str, modality: str, content_type: str | None, expected: ContentFormat
) -> None:
    assert declared_format(filename, modality=modality, content_type=content_type) is expected


@pytest.mark.parametrize(
    ("filename", "modality", "content_type", "error", "code"),
    [
        ("photo.png", "text", None, ModalityMismatch, "modality_mismatch"),
        ("notes.txt", "tabular", None, ModalityMismatch, "modality_mismatch"),
        ("table.csv", "image", None, ModalityMismatch, "modality_mismatch"),
        ("anim.gif", "image", None, UnsupportedFormat, "unsupported_format"),
        ("corpus.jsonl.gz", "text", None, UnsupportedFormat, "unsupported_format"),
        ("README", "text", None, UnsupportedFormat, "unsupported_format"),
        ("", "text", None, UnsupportedFormat, "unsupported_format"),
        ("table.csv", "audio", None, UnknownModality, "unknown_modality"),
        ("table.csv", "tabular", "image/png", ContentTypeMismatch, "content_type_mismatch"),
        ("photo.png", "image", "image/jpeg", ContentTypeMismatch, "content_type_mismatch"),
        ("table.parquet", "tabular", "text/csv", ContentTypeMismatch, "content_type_mismatch"),
    ],
)
def test_refused_declarations_say_why(
    filename: str, modality: str, content_type: str | None, error: type[PolyphonyError], code: str
) -> None:
    with pytest.raises(error) as raised:
        declared_format(filename, modality=modality, content_type=content_type)
    assert raised.value.code == code
    # A type of file Polyphony does not take is an unsupported media type; every other refusal a bad request.
    assert raised.value.status_code == (415 if error is UnsupportedFormat else 400)


def test_a_refused_extension_lists_what_the_modality_accepts() -> None:
    with pytest.raises(ModalityMismatch) as raised:
        declared_format("photo.png", modality="text")
    for extension in (".jsonl", ".csv", ".parquet", ".txt", ".md"):
        assert extension in raised.value.message
    assert ".png" in raised.value.message


def test_an_unknown_modality_names_the_known_ones() -> None:
    with pytest.raises(UnknownModality) as raised:
        declared_format("table.csv", modality="video")
    assert all(name in raised.value.message for name in ("text", "tabular", "image"))
