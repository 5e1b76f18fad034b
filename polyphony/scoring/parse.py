"""Reading an upload for scoring: by policy v1's frozen rules, or, for every later policy, through the upload's
own reader per format (`polyphony.formats.readers`), so the scorer refuses exactly what the upload refuses, with
the same code and message (a NaN in a JSON line is `not_jsonl` in both).

The units are built as v1 builds them (`parse_v1`): a JSONL record's text, a CSV row's non-numeric cells with
their line breaks unified, a Parquet row's string cells, the paragraphs of plain text. Broken bytes are a result
(a failed validity gate with its reason), never an exception.
"""

import io
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pyarrow as pa

from polyphony.formats.checks import SNIFF_BYTES, refuse_other_format
from polyphony.formats.declared import ContentFormat
from polyphony.formats.errors import EmptyFile, InvalidContent
from polyphony.formats.readers import FormatLimits, ParquetRows, TextLines, csv_rows, image_size, json_objects
from polyphony.scoring.parse_v1 import consistency, numeric_cell, parse_v1, record_text
from polyphony.scoring.parsed import Parsed, invalid
from polyphony.scoring.policy import Policy
from polyphony.scoring.results import BP, Dimension
from polyphony.scoring.text import unify_newlines

# The upload's own limits: the scorer never reads further into a file than the upload check did.
LIMITS = FormatLimits()
_FROZEN = {"v1": parse_v1}


def parse(content: bytes, *, content_format: str, policy: Policy, text_field: str | None = None) -> Parsed:
    """Parse `content` as `content_format` by the reading rules of `policy`'s version; a record's text is in its
    `text_field` when the upload names one, else in the field the policy names (v1 reads no text field)."""
    frozen = _FROZEN.get(policy.version)
    if frozen is not None:
        return frozen(content, content_format=content_format, config=policy.config)
    return read(content, content_format=content_format, config=policy.config, text_field=text_field)


def read(content: bytes, *, content_format: str, config: Mapping[str, Any], text_field: str | None = None) -> Parsed:
    """Parse `content` through the upload's reader for `content_format`; a refusal is the validity gate."""
    try:
        fmt = ContentFormat(content_format)
    except ValueError:
        return invalid("unknown_format", f"{content_format!r} is not a format this policy scores.")
    if not content:
        return invalid("empty_file", "The file is empty.")
    try:
        refuse_other_format(content[:SNIFF_BYTES], fmt=fmt)
        return _READERS[fmt](content, config, text_field or _text_field(config))
    except InvalidContent as refused:
        return invalid(refused.code, refused.message)


def _decoded(content: bytes) -> str:
    """The text of a UTF-8 file as TextLines reads it: decoded at once when no line is too long and the file holds
    no NUL byte and no bad UTF-8, else line by line, so a refusal names its line or offset as TextLines does."""
    longest = max(map(len, content.split(b"\n"))) + 1  # a line's bytes with its line break
    if longest <= LIMITS.max_line_bytes and b"\0" not in content:
        try:
            return content.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            pass
    return "".join(line for _, line in _lines(content))


def _lines(content: bytes) -> TextLines:
    return TextLines(io.BytesIO(content), limits=LIMITS)


def _read_text(content: bytes, _config: Mapping[str, Any], _field: str) -> Parsed:
    text = unify_newlines(_decoded(content))
    paragraphs = tuple(para for para in (p.strip() for p in text.split("\n\n")) if para)
    if not paragraphs:
        raise EmptyFile("The file holds only blank lines.")
    lines = sum(map(bool, map(str.strip, text.split("\n"))))
    explanation = "The file is UTF-8 text."
    valid = Dimension(value=BP, score=BP, compared_with="utf-8", reason="valid_text", explanation=explanation)
    return Parsed(valid, units=paragraphs, text=text, records=lines, documents=(text,))


def _read_jsonl(content: bytes, config: Mapping[str, Any], field: str) -> Parsed:
    records = list(json_objects(_lines(content)))
    if not records:
        raise EmptyFile("The file holds only blank lines, no JSON object.")
    keysets = Counter(tuple(sorted(record)) for record in records)
    common, count = min(keysets.items(), key=lambda item: (-item[1], item[0]))
    units = tuple(record_text(record) for record in records)
    what = f"{count} of {len(records)} records have the keys {', '.join(common) or '(none)'}"
    parsed = consistency(units, consistent=count, total=len(records), what=what, kind="keys", config=config)
    documents = tuple(value if isinstance(value := record.get(field), str) else None for record in records)
    return replace(parsed, documents=documents)


def _read_csv(content: bytes, config: Mapping[str, Any], field: str) -> Parsed:
    rows = csv_rows(_lines(content), limits=LIMITS)
    header = next(rows, None)
    body = list(rows)
    if header is None or not body:
        raise EmptyFile("The CSV has a header row but no data rows." if header else "The file holds only blank lines.")
    units = tuple(
        "\t".join(unify_newlines(cell) for cell in row if cell.strip() and not numeric_cell(cell)) for row in body
    )
    what = f"{len(body)} of {len(body)} rows have the header's {len(header)} columns"
    parsed = consistency(units, consistent=len(body), total=len(body), what=what, kind="columns", config=config)
    column = header.index(field) if field in header else None
    documents = tuple(None if column is None else unify_newlines(row[column]) for row in body)
    return replace(parsed, documents=documents)


def _read_parquet(content: bytes, config: Mapping[str, Any], field_name: str) -> Parsed:
    rows = ParquetRows(content, limits=LIMITS)
    if rows.num_rows == 0:
        raise EmptyFile("The Parquet file holds no rows.")
    strings = [index for index, kind in enumerate(rows.schema.types) if _is_text(kind)]
    field = rows.schema.names.index(field_name) if field_name in rows.schema.names else None
    units: list[str] = []
    documents: list[str | None] = []
    for batch in rows.batches():
        columns = [_values(batch.column(index)) for index in strings]
        units.extend("\t".join(cell for cell in row if cell) for row in zip(*columns, strict=True))
        documents.extend(_values(batch.column(field)) if field in strings else [None] * batch.num_rows)
    what = f"{rows.num_rows} rows of {len(rows.schema.names)} typed columns"
    total = rows.num_rows
    parsed = consistency(tuple(units), consistent=total, total=total, what=what, kind="schema", config=config)
    return replace(parsed, documents=tuple(documents))


def _text_field(config: Mapping[str, Any]) -> str:
    """The field, column or key that holds a record's text, unless the upload names another: the policy's."""
    return str(config.get("documents", {}).get("text_field", "text"))


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _values(column: pa.Array) -> list[str | None]:
    if isinstance(column, pa.DictionaryArray):
        column = column.dictionary_decode()
    values: list[str | None] = column.to_pylist()
    return values


def _read_image(content: bytes, fmt: ContentFormat) -> Parsed:
    width, height = image_size(content, fmt=fmt, limits=LIMITS)
    name = "PNG" if fmt is ContentFormat.PNG else "JPEG"
    explanation = f"The file is a readable {name} image of {width} x {height} pixels."
    valid = Dimension(value=BP, score=BP, compared_with="decodes", reason="valid_image", explanation=explanation)
    return Parsed(valid, records=1, width=width, height=height)


# Each reader takes the bytes, the policy's config and the name of the field that holds a record's text.
_READERS: dict[ContentFormat, Callable[[bytes, Mapping[str, Any], str], Parsed]] = {
    ContentFormat.TEXT: _read_text,
    ContentFormat.JSONL: _read_jsonl,
    ContentFormat.CSV: _read_csv,
    ContentFormat.PARQUET: _read_parquet,
    ContentFormat.PNG: lambda content, _config, _field: _read_image(content, ContentFormat.PNG),
    ContentFormat.JPEG: lambda content, _config, _field: _read_image(content, ContentFormat.JPEG),
}
