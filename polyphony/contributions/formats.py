"""What each upload format must parse as, checked as a stream.

A check reads the file once, line by line or batch by batch, so memory stays flat whatever the file's size, and
refuses a file that is not what its name claims with an error a person can act on. What it learns on the way
(records, field names, image size) comes back as a ContentReport the scorer may reuse. The line formats (text,
JSON Lines, CSV) are checked from any forward-only stream, so an upload is checked while it arrives; Parquet
(its footer is at the end) and images are checked from a file on disk.
"""

import codecs
import csv
import io
import itertools
import json
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image
from pydantic_core import from_json

from polyphony.contributions.errors import (
    ContentTypeMismatch,
    DecompressionBomb,
    EmptyFile,
    FormatMismatch,
    InvalidCsv,
    InvalidImage,
    InvalidParquet,
    InvalidUtf8,
    LineTooLong,
    ModalityMismatch,
    NotJsonl,
    NulByte,
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


@dataclass(frozen=True, slots=True)
class FormatLimits:
    """How far a file may go before its check refuses it."""

    # One line, or one CSV record spanning lines, is held in memory whole: this bounds it.
    max_line_bytes: int = 8 * 2**20
    # 40 megapixels is a large photo; decoding it takes at most 160 MB (RGBA).
    max_image_pixels: int = 40_000_000
    # Real columnar data compresses 3-20 times; a Parquet file expanding more than this is refused as a bomb.
    max_expansion_ratio: int = 100
    # Whatever the file size, no Parquet file is decoded past this many bytes in total.
    max_decoded_bytes: int = 8 * 2**30


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
_LABELS = {
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
_SNIFF_BYTES = 512
_MAX_FIELDS = 1000
_JSON_KINDS = {list: "array", str: "string", bool: "boolean", type(None): "null"}
_JSON_ARRAY = "The file is one JSON array, not JSON Lines: write one JSON object per line, without brackets."
# Parquet is decoded about this many values (65536 rows at most) a batch: a few megabytes however wide the rows.
_BATCH_VALUES = 2**20


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
            f"The file was sent as {essence!r}, but its name says it is {_LABELS[fmt]} "
            f"({', '.join(sorted(_CONTENT_TYPES[fmt]))} or application/octet-stream)."
        )
    return fmt


def check_content(path: Path, *, fmt: ContentFormat, limits: FormatLimits) -> ContentReport:
    """Check, reading it as a stream, that the file at `path` is a well-formed `fmt` file within `limits`."""
    if fmt in STREAMED_FORMATS:
        with path.open("rb") as stream:
            return check_stream(stream, fmt=fmt, limits=limits)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("The file is empty.")
    with path.open("rb") as stream:
        _refuse_other_format(stream.read(_SNIFF_BYTES), fmt=fmt)
    if fmt is ContentFormat.PARQUET:
        return _check_parquet(path, size=size, limits=limits)
    return _check_image(path, size=size, fmt=fmt, limits=limits)


def check_stream(reader: io.BufferedReader, *, fmt: ContentFormat, limits: FormatLimits) -> ContentReport:
    """Check a text, JSON Lines or CSV file read once from `reader` (forward only), as its bytes come.

    The first bytes the reader holds (up to 512) are sniffed for another format's signature.
    """
    if fmt not in STREAMED_FORMATS:
        raise ValueError(f"{fmt} is checked from a file on disk, not from a stream")
    head = reader.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if not head:
        raise EmptyFile("The file is empty.")
    _refuse_other_format(head, fmt=fmt)
    lines = _Lines(reader, limits=limits)
    match fmt:
        case ContentFormat.TEXT:
            return _check_text(lines)
        case ContentFormat.JSONL:
            return _check_jsonl(lines)
        case _:
            return _check_csv(lines, limits=limits)


def _refuse_other_format(head: bytes, *, fmt: ContentFormat) -> None:
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
        raise FormatMismatch(f"The file is {seen}, not {_LABELS[fmt]} as its name says.")
    if own is not None:
        error = InvalidParquet if fmt is ContentFormat.PARQUET else InvalidImage
        raise error(f"The file does not start as {_LABELS[fmt]} does, so it is not one.")


class _Lines:
    """Each line of a UTF-8 text stream with its number; refuses over-long lines, bad UTF-8 and NUL bytes.

    `size` counts the bytes read so far: the file's size once the lines are exhausted.
    """

    def __init__(self, stream: io.BufferedReader, *, limits: FormatLimits) -> None:
        self._stream = stream
        self._limit = limits.max_line_bytes
        self.size = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number in itertools.count(1):
            raw = self._stream.readline(self._limit + 1)
            if not raw:
                return
            if len(raw) > self._limit:
                raise LineTooLong(line=number, limit=self._limit)
            # UTF-8 never uses the newline byte inside a character, so each line decodes on its own.
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidUtf8(offset=self.size + exc.start) from None
            nul = raw.find(b"\0")
            if nul >= 0:
                raise NulByte(offset=self.size + nul)
            yield number, text.removeprefix("\ufeff") if number == 1 else text
            self.size += len(raw)


def _check_text(lines: _Lines) -> ContentReport:
    """Plain text or Markdown: UTF-8 with at least one non-blank line."""
    records = sum(1 for _, text in lines if text.strip())
    if records == 0:
        raise EmptyFile("The file holds only blank lines.")
    return ContentReport(format=ContentFormat.TEXT, size=lines.size, records=records)


def _check_jsonl(lines: _Lines) -> ContentReport:
    """JSON Lines: every non-blank line one JSON object; reports the top-level keys seen."""
    records = 0
    keys: dict[str, None] = {}
    for number, text in lines:
        if not text.strip():
            continue
        record = _json_object(text, line=number, first=records == 0)
        records += 1
        keys.update(dict.fromkeys(itertools.islice(record, _MAX_FIELDS - len(keys))))
    if records == 0:
        raise EmptyFile("The file holds only blank lines, no JSON object.")
    return ContentReport(format=ContentFormat.JSONL, size=lines.size, records=records, fields=tuple(keys))


def _json_object(text: str, *, line: int, first: bool) -> dict[str, object]:
    """The JSON object on one line, or the error that says what the line holds instead."""
    try:
        value = _decode_json(text)
    except json.JSONDecodeError as exc:
        if first and text.lstrip().startswith("["):
            raise FormatMismatch(_JSON_ARRAY) from None
        raise NotJsonl(f"is not valid JSON ({exc.msg} at column {exc.colno})", line=line) from None
    except RecursionError:
        raise NotJsonl("nests arrays or objects too deeply to parse", line=line) from None
    except ValueError as exc:  # NaN or Infinity, or an integer of thousands of digits
        raise NotJsonl(f"is not valid JSON ({exc})", line=line) from None
    if isinstance(value, dict):
        return value
    if first and isinstance(value, list):
        raise FormatMismatch(_JSON_ARRAY)
    raise NotJsonl(f"holds a JSON {_JSON_KINDS.get(type(value), 'number')}, not an object", line=line)


def _decode_json(text: str) -> object:
    """The JSON value `text` holds, exactly as `json` reads it, only faster.

    pydantic-core's parser (jiter) reads a typical record two to three times faster than `json`. It refuses
    everything `json` refuses here (NaN, Infinity, integers past 4,300 digits, any syntax error), and a little
    more (lone surrogates, deep nesting), so whatever it refuses goes to `json`, which decides and words the
    error: the lines accepted and the errors given are `json`'s.
    """
    try:
        return from_json(text, allow_inf_nan=False, cache_strings="keys")
    except ValueError:
        return _JSON.decode(text)


def _refuse_constant(name: str) -> object:
    """Python's json reads NaN and Infinity, which JSON does not allow."""
    raise ValueError(f"{name} is not a JSON value")


_JSON = json.JSONDecoder(parse_constant=_refuse_constant)  # one decoder: building one per line costs a third


def _check_csv(lines: _Lines, *, limits: FormatLimits) -> ContentReport:
    """CSV: a header row naming each column once, then rows with as many fields as the header."""
    record_chars = 0

    def physical_lines() -> Iterator[str]:
        nonlocal record_chars
        for number, text in lines:
            record_chars += len(text)
            # A quoted field may span lines: bound the whole record, not only each line.
            if record_chars > limits.max_line_bytes:
                raise LineTooLong(line=number, limit=limits.max_line_bytes)
            yield text

    reader = csv.reader(physical_lines(), strict=True)
    header: list[str] | None = None
    rows = 0
    try:
        for row in reader:
            record_chars = 0
            if not row:
                continue
            if header is None:
                header = _csv_header(row, line=reader.line_num)
            elif len(row) != len(header):
                problem = f"the row has {len(row)} fields where the header has {len(header)}"
                raise InvalidCsv(problem, line=reader.line_num)
            else:
                rows += 1
    except csv.Error as exc:
        raise InvalidCsv(str(exc), line=reader.line_num) from None
    if header is None:
        raise EmptyFile("The file holds only blank lines.")
    if rows == 0:
        raise EmptyFile("The CSV has a header row but no data rows.")
    return ContentReport(format=ContentFormat.CSV, size=lines.size, records=rows, fields=tuple(header[:_MAX_FIELDS]))


def _csv_header(row: list[str], *, line: int) -> list[str]:
    """The column names, each non-empty and used once."""
    names = [name.strip() for name in row]
    if "" in names:
        raise InvalidCsv(f"the header row leaves column {names.index('') + 1} without a name", line=line)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidCsv(f"the header row names the column {name!r} twice", line=line)
        seen.add(name)
    return names


def _check_parquet(path: Path, *, size: int, limits: FormatLimits) -> ContentReport:
    """Parquet: readable footer and schema, and every page decodes, within the expansion limits."""
    with path.open("rb") as stream:
        stream.seek(-4, 2)
        if stream.read(4) != b"PAR1":
            raise InvalidParquet("The Parquet file does not end with its footer: it is truncated or damaged.")
    budget = min(size * limits.max_expansion_ratio, limits.max_decoded_bytes)
    try:
        metadata = pq.read_metadata(path)
        values = _refuse_parquet_bomb(metadata, size=size, budget=budget)
        if metadata.num_rows == 0:
            raise EmptyFile("The Parquet file holds no rows.")
        # Strings stay dictionary-encoded while reading, so a repeated long value is never expanded in memory.
        strings = [column.path for column in metadata.schema if column.physical_type == "BYTE_ARRAY"]
        with pq.ParquetFile(path, metadata=metadata, read_dictionary=strings) as parquet:
            batch_rows = max(1, min(65536, _BATCH_VALUES * metadata.num_rows // max(1, values)))
            rows = _decode_parquet(parquet, batch_rows=batch_rows, size=size, budget=budget)
            fields = tuple(parquet.schema_arrow.names[:_MAX_FIELDS])
    except (pa.ArrowException, OSError) as exc:
        detail = " ".join(str(exc).replace(str(path), "the file").split()).rstrip(".")  # not the server's path
        raise InvalidParquet(f"The Parquet file cannot be read: {detail}.") from None
    if rows != metadata.num_rows:
        raise InvalidParquet(f"The Parquet file declares {metadata.num_rows} rows but holds {rows}.")
    return ContentReport(format=ContentFormat.PARQUET, size=size, records=rows, fields=fields)


def _refuse_parquet_bomb(metadata: pq.FileMetaData, *, size: int, budget: int) -> int:
    """Refuse from the footer alone a file that declares more than `budget`; returns its count of leaf values."""
    groups = [metadata.row_group(index) for index in range(metadata.num_row_groups)]
    chunks = [group.column(index) for group in groups for index in range(group.num_columns)]
    declared = sum(chunk.total_uncompressed_size for chunk in chunks)
    values: int = sum(chunk.num_values for chunk in chunks)
    # Run-length encoding hides values from the byte sizes (a list of a million zeros takes about 100 bytes),
    # and rows of no column cost nothing to declare: count values and rows as at least a byte each.
    if max(declared, values, metadata.num_rows) > budget:
        raise DecompressionBomb(
            f"The {size}-byte Parquet file declares {metadata.num_rows} rows, {values} values and {declared} "
            f"uncompressed bytes, more than the {budget} bytes a file of its size may expand to."
        )
    return values


def _decode_parquet(parquet: pq.ParquetFile, *, batch_rows: int, size: int, budget: int) -> int:
    """Decode every page batch by batch, refusing the file once its decoded bytes pass `budget`; returns rows."""
    rows = decoded = 0
    for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
        rows += batch.num_rows
        decoded += sum(_decoded_bytes(column) for column in batch.columns)
        if decoded > budget:
            raise DecompressionBomb(f"The {size}-byte Parquet file decodes past its limit of {budget} bytes.")
    return rows


def _decoded_bytes(column: pa.Array) -> int:
    """Bytes the column takes with its dictionary strings expanded, as most readers do, counted without expanding."""
    if not isinstance(column, pa.DictionaryArray):
        return int(column.nbytes)
    lengths = pc.take(pc.binary_length(column.dictionary), column.indices)
    return int(column.indices.nbytes) + int(pc.sum(lengths).as_py() or 0)


def _check_image(path: Path, *, size: int, fmt: ContentFormat, limits: FormatLimits) -> ContentReport:
    """PNG or JPEG: intact chunks, a size within the pixel limit, and pixels that decode to the end."""
    pillow_format = "PNG" if fmt is ContentFormat.PNG else "JPEG"
    try:
        with Image.open(path, formats=[pillow_format]) as image:
            width, height = image.size
            image.verify()  # reads the PNG chunks and their checksums; decompresses nothing
        if width * height <= limits.max_image_pixels:
            with Image.open(path, formats=[pillow_format]) as image:
                # A JPEG decodes at 1/8 scale: every byte is still read, in 64 times less memory (no-op for PNG).
                image.draft(image.mode, (width // 8, height // 8))
                image.load()
    except Image.DecompressionBombError:  # Pillow's own process-wide bound, when it is lower than ours
        raise DecompressionBomb("The image declares more pixels than can be decoded here.") from None
    except Exception:  # Pillow's plugins raise many kinds on hostile bytes (IndexError: a PNG without pixels)
        raise InvalidImage(f"The file is not a readable {pillow_format} image: it is damaged or truncated.") from None
    if width * height > limits.max_image_pixels:
        raise DecompressionBomb(f"{width} x {height} pixels is over the limit of {limits.max_image_pixels}.")
    return ContentReport(format=fmt, size=size, records=1, width=width, height=height)
