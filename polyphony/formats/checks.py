"""The upload's check: a file is what its name claims, read once through the format's reader.

What the check learns on the way (records, field names, image size) comes back as a ContentReport. The line
formats (text, JSON Lines, CSV) are checked from any forward-only stream, so an upload is checked while it
arrives; Parquet (its footer is at the end) and images are checked from a file on disk.
"""

import codecs
import io
import itertools
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from polyphony.formats.declared import LABELS, ContentFormat
from polyphony.formats.errors import EmptyFile, FormatMismatch, InvalidImage, InvalidParquet
from polyphony.formats.readers import FormatLimits, ParquetRows, TextLines, csv_rows, image_size, json_objects


@dataclass(frozen=True, slots=True)
class ContentReport:
    """What a check learned: `records` counts JSONL objects, CSV or Parquet rows, non-blank text lines, or 1 image."""

    format: ContentFormat
    size: int
    records: int
    fields: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None


_C = ContentFormat
# Leading bytes of formats a person may send by mistake, to say what a file is rather than only what it is not.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PAR1", "a Parquet file"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx file is one)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%PDF-", "a PDF document"),
    (b"RIFF", "a RIFF file (a WebP image or WAV sound)"),
)
# Checked as they stream: everything a line format's check needs comes before the line it is reading.
STREAMED_FORMATS = frozenset({_C.TEXT, _C.JSONL, _C.CSV})
_OWN_SIGNATURE = {_C.PNG: b"\x89PNG\r\n\x1a\n", _C.JPEG: b"\xff\xd8\xff", _C.PARQUET: b"PAR1"}
SNIFF_BYTES = 512
_MAX_FIELDS = 1000


def check_content(path: Path, *, fmt: ContentFormat, limits: FormatLimits) -> ContentReport:
    """Check, reading it as a stream, that the file at `path` is a well-formed `fmt` file within `limits`."""
    if fmt in STREAMED_FORMATS:
        with path.open("rb") as stream:
            return check_stream(stream, fmt=fmt, limits=limits)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("The file is empty.")
    with path.open("rb") as stream:
        refuse_other_format(stream.read(SNIFF_BYTES), fmt=fmt)
    if fmt is ContentFormat.PARQUET:
        return _check_parquet(path, limits=limits)
    width, height = image_size(path, fmt=fmt, limits=limits)
    return ContentReport(format=fmt, size=size, records=1, width=width, height=height)


def check_stream(reader: io.BufferedReader, *, fmt: ContentFormat, limits: FormatLimits) -> ContentReport:
    """Check a text, JSON Lines or CSV file read once from `reader` (forward only), as its bytes come.

    The first bytes the reader holds (up to 512) are sniffed for another format's signature.
    """
    if fmt not in STREAMED_FORMATS:
        raise ValueError(f"{fmt} is checked from a file on disk, not from a stream")
    head = reader.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    if not head:
        raise EmptyFile("The file is empty.")
    refuse_other_format(head, fmt=fmt)
    lines = TextLines(reader, limits=limits)
    match fmt:
        case ContentFormat.TEXT:
            return _check_text(lines)
        case ContentFormat.JSONL:
            return _check_jsonl(lines)
        case _:
            return _check_csv(lines, limits=limits)


def refuse_other_format(head: bytes, *, fmt: ContentFormat) -> None:
    """Refuse a file whose first bytes (`head`) show it is another format than `fmt`."""
    own = _OWN_SIGNATURE.get(fmt)
    if own is not None and head.startswith(own):
        return
    seen = next((what for signature, what in _SIGNATURES if head.startswith(signature)), None)
    if seen is None and own is not None and b"\0" not in head:
        with suppress(UnicodeDecodeError):  # a character cut at the end of the head is fine
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            seen = "text"
    if seen is not None:
        raise FormatMismatch(f"The file is {seen}, not {LABELS[fmt]} as its name says.")
    if own is not None:
        error = InvalidParquet if fmt is ContentFormat.PARQUET else InvalidImage
        raise error(f"The file does not start as {LABELS[fmt]} does, so it is not one.")


def _check_text(lines: TextLines) -> ContentReport:
    """Plain text or Markdown: UTF-8 with at least one non-blank line."""
    records = sum(1 for _, text in lines if text.strip())
    if records == 0:
        raise EmptyFile("The file holds only blank lines.")
    return ContentReport(format=ContentFormat.TEXT, size=lines.size, records=records)


def _check_jsonl(lines: TextLines) -> ContentReport:
    """JSON Lines: every non-blank line one JSON object; reports the top-level keys seen."""
    records = 0
    keys: dict[str, None] = {}
    for record in json_objects(lines):
        records += 1
        keys.update(dict.fromkeys(itertools.islice(record, _MAX_FIELDS - len(keys))))
    if records == 0:
        raise EmptyFile("The file holds only blank lines, no JSON object.")
    return ContentReport(format=ContentFormat.JSONL, size=lines.size, records=records, fields=tuple(keys))


def _check_csv(lines: TextLines, *, limits: FormatLimits) -> ContentReport:
    """CSV: a header row naming each column once, then rows with as many fields as the header."""
    rows = csv_rows(lines, limits=limits)
    header = next(rows, None)
    if header is None:
        raise EmptyFile("The file holds only blank lines.")
    records = sum(1 for _ in rows)
    if records == 0:
        raise EmptyFile("The CSV has a header row but no data rows.")
    return ContentReport(format=ContentFormat.CSV, size=lines.size, records=records, fields=tuple(header[:_MAX_FIELDS]))


def _check_parquet(path: Path, *, limits: FormatLimits) -> ContentReport:
    """Parquet: readable footer and schema, and every page decodes, within the expansion limits."""
    rows = ParquetRows(path, limits=limits)
    if rows.num_rows == 0:
        raise EmptyFile("The Parquet file holds no rows.")
    decoded = sum(batch.num_rows for batch in rows.batches())
    fields = tuple(rows.schema.names[:_MAX_FIELDS])
    return ContentReport(format=ContentFormat.PARQUET, size=rows.size, records=decoded, fields=fields)
