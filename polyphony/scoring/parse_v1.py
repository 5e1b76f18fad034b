"""Policy v1's reading rules, frozen: every score given under v1 must recompute byte for byte from its bytes.

v1 read uploads by rules of its own, before the upload check and the scorer shared one reader per format
(`polyphony.formats.readers`). They agree on every file the upload accepts but a few: a bare CR inside a JSON
Lines record splits the record here, a Parquet column that is dictionary-encoded or a large string counts as no
text here, and a refused file gets v1's own reason and words. So v1 keeps these rules, unchanged, and every later
policy reads through the shared readers (`polyphony.scoring.parse`). Do not change this module: a change would
make stored v1 scores fail `polyphony verify score`.

Validity: the bytes parse as their declared format, with a consistent schema and a clean encoding.

A parse yields the upload's units (JSONL records, CSV or Parquet rows, paragraphs of plain text) as text, the
validity dimension, and for images their size. Structured units become text thus: a JSONL record's "text" string if
it has one, else its top-level string values in file order joined by newlines; a row's non-empty string cells
joined by tabs. Broken bytes are a result (a failed gate with its reason), never an exception.
"""

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from polyphony.formats.declared import ContentFormat
from polyphony.scoring.parsed import Parsed, invalid
from polyphony.scoring.results import BP, Dimension
from polyphony.scoring.rules import linear_score
from polyphony.scoring.text import unify_newlines


def parse_v1(content: bytes, *, content_format: str, config: Mapping[str, Any]) -> Parsed:
    """Parse `content` as `content_format` by v1's rules and judge its validity with the `validity` profile."""
    try:
        fmt = ContentFormat(content_format)
    except ValueError:
        return invalid("unknown_format", f"{content_format!r} is not a format this policy scores.")
    if not content:
        return invalid("empty_file", "The file is empty.")
    match fmt:
        case ContentFormat.PNG | ContentFormat.JPEG:
            return _parse_image(content, fmt=fmt)
        case ContentFormat.PARQUET:
            return _parse_parquet(content, config=config)
    text = _decode(content)
    if isinstance(text, Parsed):
        return text
    match fmt:
        case ContentFormat.JSONL:
            return _parse_jsonl(text, config=config)
        case ContentFormat.CSV:
            return _parse_csv(text, config=config)
    return _parse_text(text)


def _decode(content: bytes) -> str | Parsed:
    """Strict UTF-8 without NUL bytes, BOM removed, newlines unified."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return invalid("invalid_utf8", f"The file is not UTF-8 text: byte {exc.start} is not a UTF-8 character.")
    if "\0" in text:
        return invalid("nul_byte", f"The file holds a NUL byte at character {text.index(chr(0))}: it is not text.")
    return unify_newlines(text.removeprefix("\ufeff"))


def _parse_text(text: str) -> Parsed:
    paragraphs = tuple(para for para in (p.strip() for p in text.split("\n\n")) if para)
    if not paragraphs:
        return invalid("empty_file", "The file holds only blank lines.")
    lines = sum(map(bool, map(str.strip, text.split("\n"))))
    explanation = "The file is UTF-8 text."
    valid = Dimension(value=BP, score=BP, compared_with="utf-8", reason="valid_text", explanation=explanation)
    return Parsed(valid, units=paragraphs, text=text, records=lines)


def _parse_jsonl(text: str, *, config: Mapping[str, Any]) -> Parsed:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            return invalid("not_jsonl", f"Line {number} is not valid JSON.")
        if not isinstance(record, dict):
            return invalid("not_jsonl", f"Line {number} is not a JSON object.")
        records.append(record)
    if not records:
        return invalid("empty_file", "The file holds no JSON object.")
    keysets = Counter(tuple(sorted(record)) for record in records)
    common, count = min(keysets.items(), key=lambda item: (-item[1], item[0]))
    units = tuple(record_text(record) for record in records)
    what = f"{count} of {len(records)} records have the keys {', '.join(common) or '(none)'}"
    return consistency(units, consistent=count, total=len(records), what=what, kind="keys", config=config)


def record_text(record: Mapping[str, Any]) -> str:
    """A record as text: its "text" string if it has one, else its top-level strings in order, by lines."""
    text = record.get("text")
    if isinstance(text, str):
        return text
    return "\n".join(value for value in record.values() if isinstance(value, str))


def _parse_csv(text: str, *, config: Mapping[str, Any]) -> Parsed:
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row]
    except csv.Error as exc:
        return invalid("invalid_csv", f"The CSV cannot be read: {exc}.")
    if len(rows) < 2:
        return invalid("empty_file", "The CSV has no data rows under its header.")
    header, body = rows[0], rows[1:]
    consistent = sum(1 for row in body if len(row) == len(header))
    units = tuple("\t".join(cell for cell in row if cell.strip() and not numeric_cell(cell)) for row in body)
    what = f"{consistent} of {len(body)} rows have the header's {len(header)} columns"
    return consistency(units, consistent=consistent, total=len(body), what=what, kind="columns", config=config)


def numeric_cell(cell: str) -> bool:
    """A cell that holds only a number (a sign and one decimal point allowed): tables' numbers are no text."""
    return cell.strip().lstrip("+-").replace(".", "", 1).isdigit()


def _parse_parquet(content: bytes, *, config: Mapping[str, Any]) -> Parsed:
    try:
        table = pq.read_table(pa.BufferReader(content), use_threads=False)
    except (pa.ArrowException, OSError):
        return invalid("invalid_parquet", "The file is not a readable Parquet file.")
    if table.num_rows == 0:
        return invalid("empty_file", "The Parquet file holds no rows.")
    strings = [
        name for name, kind in zip(table.column_names, table.schema.types, strict=True) if pa.types.is_string(kind)
    ]
    columns = [table.column(name).to_pylist() for name in strings]
    units = tuple("\t".join(cell for cell in row if cell) for row in zip(*columns, strict=True)) if columns else ()
    what = f"{table.num_rows} rows of {table.num_columns} typed columns"
    return consistency(units, consistent=table.num_rows, total=table.num_rows, what=what, kind="schema", config=config)


def consistency(units: tuple[str, ...], *, consistent: int, total: int, what: str, kind: str, config: Any) -> Parsed:
    """The validity of records of which `consistent` of `total` share the commonest schema."""
    profile = config["validity"]
    value = consistent * BP // total
    score = linear_score(value, good=profile["good_bp"], bad=profile["bad_bp"])
    reason = f"consistent_{kind}" if consistent == total else f"inconsistent_{kind}"
    explanation = f"The file parses; {what}."
    compared = {"good_bp": profile["good_bp"], "bad_bp": profile["bad_bp"]}
    validity = Dimension(value=value, score=score, compared_with=compared, reason=reason, explanation=explanation)
    return Parsed(validity, units=units, text="\n\n".join(unit for unit in units if unit), records=total)


def _parse_image(content: bytes, *, fmt: ContentFormat) -> Parsed:
    name = "PNG" if fmt is ContentFormat.PNG else "JPEG"
    try:
        with Image.open(io.BytesIO(content), formats=[name]) as image:
            width, height = image.size
            image.load()
    except Exception:  # Pillow's plugins raise many kinds on hostile bytes
        return invalid("invalid_image", f"The file is not a readable {name} image.")
    explanation = f"The file is a readable {name} image of {width} x {height} pixels."
    valid = Dimension(value=BP, score=BP, compared_with="decodes", reason="valid_image", explanation=explanation)
    return Parsed(valid, records=1, width=width, height=height)
