"""One reader per format: a file's records, read once and forward only, or refused with the upload's own error.

The upload check (`polyphony.formats.checks`) counts what these readers yield; the scorer reads its documents
from them. So a file is read by one set of rules wherever it is read: a NaN in a JSON line, a CSV row a field
short, a Parquet file that would expand past its limit are refused alike, with the same code and message.
Memory stays flat whatever the file's size: lines one at a time, Parquet one batch at a time.
"""

import csv
import io
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image
from pydantic_core import from_json

from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import (
    DecompressionBomb,
    FormatMismatch,
    InvalidCsv,
    InvalidImage,
    InvalidParquet,
    InvalidUtf8,
    LineTooLong,
    NotJsonl,
    NulByte,
)

_JSON_KINDS = {list: "array", str: "string", bool: "boolean", type(None): "null"}
_JSON_ARRAY = "The file is one JSON array, not JSON Lines: write one JSON object per line, without brackets."
# Parquet is decoded about this many values (65536 rows at most) a batch: a few megabytes however wide the rows.
_BATCH_VALUES = 2**20


@dataclass(frozen=True, slots=True)
class FormatLimits:
    """How far a file may go before its reader refuses it."""

    # One line, or one CSV record spanning lines, is held in memory whole: this bounds it.
    max_line_bytes: int = 8 * 2**20
    # 40 megapixels is a large photo; decoding it takes at most 160 MB (RGBA).
    max_image_pixels: int = 40_000_000
    # Real columnar data compresses 3-20 times; a Parquet file expanding more than this is refused as a bomb.
    max_expansion_ratio: int = 100
    # Whatever the file size, no Parquet file is decoded past this many bytes in total.
    max_decoded_bytes: int = 8 * 2**30


class TextLines:
    """Each line of a UTF-8 text stream with its number; refuses over-long lines, bad UTF-8 and NUL bytes.

    A line keeps its line break; the first loses a byte order mark. `size` counts the bytes read so far: the
    file's size once the lines are exhausted.
    """

    def __init__(self, stream: io.BufferedIOBase, *, limits: FormatLimits) -> None:
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


def json_objects(lines: TextLines) -> Iterator[dict[str, object]]:
    """JSON Lines: the JSON object of every non-blank line, in file order."""
    first = True
    for number, text in lines:
        if text.strip():
            yield _json_object(text, line=number, first=first)
            first = False


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


def csv_rows(lines: TextLines, *, limits: FormatLimits) -> Iterator[list[str]]:
    """CSV: the header row (each column named once), then every data row, each with the header's field count.

    Blank rows are skipped. A quoted field may span lines and keeps its line breaks as written.
    """
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
    try:
        for row in reader:
            record_chars = 0
            if not row:
                continue
            if header is None:
                header = _csv_header(row, line=reader.line_num)
                yield header
            elif len(row) != len(header):
                problem = f"the row has {len(row)} fields where the header has {len(header)}"
                raise InvalidCsv(problem, line=reader.line_num)
            else:
                yield row
    except csv.Error as exc:
        raise InvalidCsv(str(exc), line=reader.line_num) from None


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


ParquetSource = Path | bytes


class ParquetRows:
    """A Parquet file's rows, batch by batch, refused before or while decoding if it would expand past its limit.

    Byte-array columns stay dictionary-encoded while reading, so a repeated long value is never expanded in
    memory (`dictionary_decode` a column to read its values). `schema` is the file's own Arrow schema, as
    pyarrow reads it without that encoding.
    """

    def __init__(self, source: ParquetSource, *, limits: FormatLimits) -> None:
        self._source = source
        self.size = len(source) if isinstance(source, bytes) else source.stat().st_size
        self._budget = min(self.size * limits.max_expansion_ratio, limits.max_decoded_bytes)
        if _footer(source) != b"PAR1":
            raise InvalidParquet("The Parquet file does not end with its footer: it is truncated or damaged.")
        with self._arrow_errors():
            self.metadata = pq.read_metadata(self._native())
            self._values = _refuse_parquet_bomb(self.metadata, size=self.size, budget=self._budget)
            self.schema = pq.read_schema(self._native())

    @property
    def num_rows(self) -> int:
        """The rows the footer declares."""
        return int(self.metadata.num_rows)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Every row, a batch at a time; refuses the file once its decoded bytes pass the budget."""
        strings = [column.path for column in self.metadata.schema if column.physical_type == "BYTE_ARRAY"]
        batch_rows = max(1, min(65536, _BATCH_VALUES * self.num_rows // max(1, self._values)))
        rows = decoded = 0
        with self._arrow_errors(), pq.ParquetFile(
            self._native(), metadata=self.metadata, read_dictionary=strings
        ) as parquet:  # fmt: skip
            for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
                rows += batch.num_rows
                decoded += sum(_decoded_bytes(column) for column in batch.columns)
                if decoded > self._budget:
                    raise DecompressionBomb(
                        f"The {self.size}-byte Parquet file decodes past its limit of {self._budget} bytes."
                    )
                yield batch
        if rows != self.num_rows:
            raise InvalidParquet(f"The Parquet file declares {self.num_rows} rows but holds {rows}.")

    def _native(self) -> str | pa.BufferReader:
        return pa.BufferReader(self._source) if isinstance(self._source, bytes) else str(self._source)

    @contextmanager
    def _arrow_errors(self) -> Iterator[None]:
        """Arrow's own errors as InvalidParquet, worded without the server's path."""
        try:
            yield
        except (pa.ArrowException, OSError) as error:
            said = str(error) if isinstance(self._source, bytes) else str(error).replace(str(self._source), "the file")
            raise InvalidParquet(f"The Parquet file cannot be read: {' '.join(said.split()).rstrip('.')}.") from None


def _footer(source: ParquetSource) -> bytes:
    if isinstance(source, bytes):
        return source[-4:]
    with source.open("rb") as stream:
        stream.seek(-4, 2)
        return stream.read(4)


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


def _decoded_bytes(column: pa.Array) -> int:
    """Bytes the column takes with its dictionary strings expanded, as most readers do, counted without expanding."""
    if not isinstance(column, pa.DictionaryArray):
        return int(column.nbytes)
    lengths = pc.take(pc.binary_length(column.dictionary), column.indices)
    return int(column.indices.nbytes) + int(pc.sum(lengths).as_py() or 0)


def image_size(source: Path | bytes, *, fmt: ContentFormat, limits: FormatLimits) -> tuple[int, int]:
    """PNG or JPEG: width and height, once the chunks check out and the pixels decode to the end."""
    pillow_format = "PNG" if fmt is ContentFormat.PNG else "JPEG"
    try:
        with Image.open(_image_file(source), formats=[pillow_format]) as image:
            width, height = image.size
            image.verify()  # reads the PNG chunks and their checksums; decompresses nothing
        if width * height <= limits.max_image_pixels:
            with Image.open(_image_file(source), formats=[pillow_format]) as image:
                # A JPEG decodes at 1/8 scale: every byte is still read, in 64 times less memory (no-op for PNG).
                image.draft(image.mode, (width // 8, height // 8))
                image.load()
    except Image.DecompressionBombError:  # Pillow's own process-wide bound, when it is lower than ours
        raise DecompressionBomb("The image declares more pixels than can be decoded here.") from None
    except Exception:  # Pillow's plugins raise many kinds on hostile bytes (IndexError: a PNG without pixels)
        raise InvalidImage(f"The file is not a readable {pillow_format} image: it is damaged or truncated.") from None
    if width * height > limits.max_image_pixels:
        raise DecompressionBomb(f"{width} x {height} pixels is over the limit of {limits.max_image_pixels}.")
    return width, height


def _image_file(source: Path | bytes) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source
