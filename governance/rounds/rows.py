"""The rows of a pulled round: each kept document of a verified file as typed columns, with where it came from.

Every row carries its lineage (`contribution_id`, `record` - the document's index as the scorer numbered it -,
`contributor`, `license`, `cid`, `score`), then its content by config:

- `text`: `text` (a JSONL, CSV or Parquet record's text field - the upload's `text_field`, else `text` - or the
  whole of a plain-text file, one document) and the record's other fields;
- `tabular`: the record's fields (a CSV, Parquet or JSON Lines row);
- `image`: `image` (`bytes`, `path`), `width`, `height`, `format`.

A record's fields become typed columns by one rule (`ColumnTypes`): a column whose values are all booleans is
`bool`, all integers `int64`, integers and floats `float64`, anything else `string` (a non-string value as its
JSON); the rule runs over every kept row of every file of the config, so the types agree across files. A CSV cell
is read by `csv_cell`: empty is null, an integer literal an integer, a decimal literal a float, anything else
text - the same on every machine, so a CSV's types are reproducible (the card records the rule).
"""

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from pydantic_core import from_json

from governance.datasets.kept import kept_in_row

CONFIGS = ("text", "tabular", "image")
RECORD_FORMATS = {"jsonl", "csv", "parquet"}
IMAGE_FORMATS = {"png", "jpeg"}
LINEAGE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("contribution_id", pa.int64()), ("record", pa.int64()), ("contributor", pa.string()),
    ("license", pa.string()), ("cid", pa.string()), ("score", pa.int64()),
)  # fmt: skip
IMAGE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
    ("width", pa.int64()), ("height", pa.int64()), ("format", pa.string()),
)  # fmt: skip
DEFAULT_TEXT_FIELD = "text"
PARQUET_BATCH_ROWS = 10_000
CSV_INFERENCE = (
    "polyphony-csv-cells/1: every cell is read as text; an empty cell is null; a cell matching "
    "[+-]?[0-9]+ is an integer (text beyond int64); one matching a decimal literal ([+-]?digits[.digits][e[+-]digits], "
    "finite) is a float; anything else is text. A column is then typed over all its kept cells of all files: "
    "all integers int64, integers and floats float64, otherwise string."
)
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT64 = range(-(2**63), 2**63)
_TAKEN = frozenset({column for column, _ in LINEAGE_COLUMNS} | {"text"})


def config_of(row: Mapping[str, Any]) -> str | None:
    """The config a manifest row's documents go to, by its modality and format; None for a file kept as bytes only."""
    modality, content_format = row["modality"], row["format"]
    if modality == "text" and content_format in RECORD_FORMATS | {"text"}:
        return "text"
    if modality == "tabular" and content_format in RECORD_FORMATS:
        return "tabular"
    if modality == "image" and content_format in IMAGE_FORMATS:
        return "image"
    return None


@dataclass(frozen=True)
class Source:
    """A verified file of the round, as its manifest row and the API describe it."""

    row: Mapping[str, Any]
    path: Path
    text_field: str = DEFAULT_TEXT_FIELD
    # Its documents a majority of their reviewers rejected since the approval (the round's deletion feed): the
    # manifest still keeps them, as it was approved byte for byte, but no row is written for them.
    rejected: frozenset[int] = frozenset()

    @property
    def config(self) -> str | None:
        """The config its rows go to; None for a file the pull keeps as bytes only."""
        return config_of(self.row)

    def lineage(self, record: int) -> dict[str, Any]:
        """The lineage columns of its document `record`."""
        row = self.row
        return {
            "contribution_id": int(row["contribution_id"]), "record": record, "contributor": row["contributor"],
            "license": row["license"], "cid": row["cid"], "score": int(row["score"]),
        }  # fmt: skip


def documents(source: Source) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each kept document of `source` (and not rejected since) with its index: its content columns (not yet typed,
    lineage apart)."""
    kept = kept_in_row(source.row)

    def wanted(number: int) -> bool:
        return (kept is None or number in kept) and number not in source.rejected

    if source.config == "image":
        yield from _whole(wanted, lambda: _image(source.path))
    elif source.row["format"] == "text":
        yield from _whole(wanted, lambda: {"text": source.path.read_text(encoding="utf-8")})
    else:
        records = enumerate(_records(source.path, source.row["format"]))
        for number, record in records:
            if wanted(number):
                yield number, _text_first(record, source.text_field) if source.config == "text" else record


def _whole(wanted: Callable[[int], bool], read: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """A file that is one document (a plain-text file, an image): document 0, if wanted."""
    if wanted(0):
        yield 0, read()


def _text_first(record: dict[str, Any], text_field: str) -> dict[str, Any]:
    text = record.pop(text_field, None)
    return {"text": text if text is None or isinstance(text, str) else json.dumps(text, ensure_ascii=False)} | {
        _free_name(name, record): value for name, value in record.items()
    }


def _free_name(name: str, record: Mapping[str, Any]) -> str:
    """A record field's column: its name, unless that names a lineage or content column (then `field_<name>`)."""
    while name in _TAKEN:
        name = f"field_{name}"
    return name


def _records(path: Path, content_format: str) -> Iterator[dict[str, Any]]:
    """Each record of a verified JSONL, CSV or Parquet file, numbered as the scorer numbers them."""
    if content_format == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8", newline="") as text:
        if content_format == "csv":
            for row in csv.DictReader(text):
                yield {name: csv_cell(value) for name, value in row.items()}
            return
        for line in text:
            if line.strip():  # a blank line is no record
                found = from_json(line)  # the upload check's JSON parser, and faster than json
                yield found if isinstance(found, dict) else {"value": found}


def csv_cell(text: str | None) -> bool | int | float | str | None:
    """A CSV cell's value by the fixed rule `CSV_INFERENCE` describes."""
    if text is None or text == "":
        return None
    if _INTEGER.fullmatch(text):
        return int(text) if int(text) in _INT64 else text  # beyond int64: text, not a float that rounds it
    if _DECIMAL.fullmatch(text) and math.isfinite(number := float(text)):
        return number
    return text


def _image(path: Path) -> dict[str, Any]:
    content = path.read_bytes()
    with Image.open(io.BytesIO(content)) as image:
        width, height, image_format = image.width, image.height, str(image.format or "").lower()
    return {"image": {"bytes": content, "path": path.name}, "width": width, "height": height, "format": image_format}


class ColumnTypes:
    """The column types of a config's content, grown value by value over every kept row (see the module)."""

    def __init__(self, config: str) -> None:
        self.config = config
        self._kinds: dict[str, str | None] = {}

    def add(self, content: Mapping[str, Any]) -> None:
        """Widen the types by the values of one row."""
        if self.config == "image":
            return
        for name, value in content.items():
            self._kinds[name] = _wider(self._kinds.get(name), _kind(value))

    def schema(self) -> pa.Schema:
        """The config's Parquet schema: lineage columns first, then the content's."""
        if self.config == "image":
            content = list(IMAGE_COLUMNS)
        else:
            kinds = dict(self._kinds)
            if self.config == "text":
                kinds = {"text": "str", **{name: kind for name, kind in kinds.items() if name != "text"}}
            content = [(name, _ARROW[kind or "str"]) for name, kind in kinds.items()]
        return pa.schema([*LINEAGE_COLUMNS, *content])


_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if value in _INT64 else "str"
    if isinstance(value, float):
        return "float"
    return "str"


def _wider(kind: str | None, other: str | None) -> str | None:
    if kind is None or kind == other:
        return other if kind is None else kind
    if other is None:
        return kind
    return "float" if {kind, other} == {"int", "float"} else "str"


def typed_row(schema: pa.Schema, lineage: Mapping[str, Any], content: Mapping[str, Any]) -> dict[str, Any]:
    """One row as `schema` types it: an integer in a float column as a float, a non-text value in a text column as
    its JSON, a missing field as null."""
    row = dict(lineage)
    for field in schema:
        if field.name in row:
            continue
        value = content.get(field.name)
        if value is not None and field.type == pa.float64():
            value = float(value)
        elif value is not None and field.type == pa.string() and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        row[field.name] = value
    return row


def estimated_bytes(row: Mapping[str, Any]) -> int:
    """About how many bytes a row takes in a row group: its strings' and binaries' lengths, 8 per other value."""
    total = 0
    for value in row.values():
        if isinstance(value, str | bytes):
            total += len(value)
        elif isinstance(value, dict):
            total += estimated_bytes(value)
        else:
            total += 8
    return total
