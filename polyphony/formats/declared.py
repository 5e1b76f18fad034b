"""What an upload claims to be: its modality, and the format its file name and content type say."""

from enum import StrEnum
from pathlib import PurePath

from polyphony.formats.errors import (
    ContentTypeMismatch,
    ModalityMismatch,
    TextFieldNotApplicable,
    UnknownModality,
    UnsupportedFormat,
)


class Modality(StrEnum):
    TEXT = "text"
    TABULAR = "tabular"
    IMAGE = "image"


class ContentFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    TEXT = "text"
    PNG = "png"
    JPEG = "jpeg"


_C = ContentFormat
# How each format is named to a person, in errors.
LABELS = {
    _C.JSONL: "a JSON Lines file",
    _C.CSV: "a CSV file",
    _C.PARQUET: "a Parquet file",
    _C.TEXT: "a plain text file",
    _C.PNG: "a PNG image",
    _C.JPEG: "a JPEG image",
}
_EXTENSIONS = {
    ".jsonl": _C.JSONL,
    ".csv": _C.CSV,
    ".parquet": _C.PARQUET,
    ".txt": _C.TEXT,
    ".md": _C.TEXT,
    ".png": _C.PNG,
    ".jpg": _C.JPEG,
    ".jpeg": _C.JPEG,
}
_MODALITY_FORMATS = {
    Modality.TEXT: frozenset({_C.TEXT, _C.JSONL, _C.CSV, _C.PARQUET}),
    Modality.TABULAR: frozenset({_C.CSV, _C.PARQUET, _C.JSONL}),
    Modality.IMAGE: frozenset({_C.PNG, _C.JPEG}),
}
# Clients send many names for one format (Windows browsers label .csv as Excel) and curl sends
# application/octet-stream for anything, so these all pass; any other type names another format and is refused.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_CONTENT_TYPES = {
    _C.JSONL: frozenset({"application/jsonl", "application/x-ndjson", "application/json", "text/plain"}),
    _C.CSV: frozenset({"text/csv", "application/csv", "text/x-csv", "application/vnd.ms-excel", "text/plain"}),
    _C.PARQUET: frozenset({"application/vnd.apache.parquet", "application/x-parquet", "application/parquet"}),
    _C.TEXT: frozenset({"text/plain", "text/markdown", "text/x-markdown"}),
    _C.PNG: frozenset({"image/png"}),
    _C.JPEG: frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
}


def declared_format(filename: str, *, modality: str, content_type: str | None = None) -> ContentFormat:
    """The format an upload claims by its modality, its file name's extension and, if sent, its content type."""
    try:
        wanted = Modality(modality.strip().lower())
    except ValueError:
        raise UnknownModality(f"Unknown modality {modality!r}: choose one of {', '.join(Modality)}.") from None
    suffix = PurePath(filename).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    accepted = ", ".join(ext for ext, each in _EXTENSIONS.items() if each in _MODALITY_FORMATS[wanted])
    if fmt is None:
        raise UnsupportedFormat(f"{filename!r} has no extension for {wanted} contributions: use one of {accepted}.")
    if fmt not in _MODALITY_FORMATS[wanted]:
        raise ModalityMismatch(f"A {suffix} file is not a {wanted} contribution; a {wanted} one is one of: {accepted}.")
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    if essence not in _GENERIC_TYPES and essence not in _CONTENT_TYPES[fmt]:
        raise ContentTypeMismatch(
            f"The file was sent as {essence!r}, but its name says it is {LABELS[fmt]} "
            f"({', '.join(sorted(_CONTENT_TYPES[fmt]))} or application/octet-stream)."
        )
    return fmt


def format_of(
    filename: str, *, format_name: str | None = None, modality: str | None = None
) -> tuple[ContentFormat, Modality]:
    """The format and modality a file is read as: the ones given, else its extension's format and that format's
    usual modality (image for PNG and JPEG, text for the rest)."""
    if format_name is None:
        fmt = _EXTENSIONS.get(PurePath(filename).suffix.lower())
        if fmt is None:
            raise UnsupportedFormat(f"{filename!r} has no known extension: name its format with --format.")
    else:
        try:
            fmt = ContentFormat(format_name.strip().lower())
        except ValueError:
            raise UnsupportedFormat(
                f"Unknown format {format_name!r}: choose one of {', '.join(ContentFormat)}."
            ) from None
    if modality is None:
        return fmt, Modality.IMAGE if fmt in _MODALITY_FORMATS[Modality.IMAGE] else Modality.TEXT
    try:
        wanted = Modality(modality.strip().lower())
    except ValueError:
        raise UnknownModality(f"Unknown modality {modality!r}: choose one of {', '.join(Modality)}.") from None
    if fmt not in _MODALITY_FORMATS[wanted]:
        raise ModalityMismatch(f"{LABELS[fmt].capitalize()} is not a {wanted} contribution.")
    return fmt, wanted


MAX_TEXT_FIELD = 64
_RECORD_FORMATS = frozenset({_C.JSONL, _C.CSV, _C.PARQUET})


def declared_text_field(given: str | None, *, fmt: ContentFormat, modality: str) -> str | None:
    """The field of each record that holds its text, as an upload names it (None: the scoring policy's)."""
    text_field = (given or "").strip() or None
    if text_field is None:
        return None
    if len(text_field) > MAX_TEXT_FIELD:
        raise TextFieldNotApplicable(f"a text field name is at most {MAX_TEXT_FIELD} characters")
    if fmt not in _RECORD_FORMATS or modality != Modality.TEXT:
        raise TextFieldNotApplicable(
            "'text_field' names the field of a record that holds its text: it is for JSON Lines, CSV or Parquet "
            f"files of modality text, not {LABELS[fmt]} of modality {modality}"
        )
    return text_field
