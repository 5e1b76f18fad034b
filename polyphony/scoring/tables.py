"""A table's rows, each judged alone (every policy with a `tables` section: v2 on).

A row is the document of a tabular upload: a CSV or Parquet row, or a JSONL record. Each is kept, or dropped for
the first reason that holds, in this order:

- `empty_row`: every cell is blank or null;
- `other_fields`: a JSONL record whose keys are not the upload's commonest key set (CSV and Parquet rows always
  have the header's or the schema's fields: the upload refuses a file whose rows do not);
- `copy_in_upload`: the same normalised cells as an earlier kept row of the same upload;
- `pii:<kind>`: a string cell holds a valid item of a kind the policy's `drop_pii` lists, found by `pii.py`'s
  detectors (a number alone is no text, and a Parquet binary cell counts in the row's hash only).

Each row weighs one, so the decisions' `words` and `kept_words` count rows: the share of the rows kept scales the
score, and below the policy's `min_kept_share_bp` the table fails. Padding a table with copies or empty rows never
pays. The table's dimensions (validity, personal data, repetition) are then measured on the kept rows.
"""

import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polyphony.formats.declared import ContentFormat
from polyphony.formats.readers import ParquetRows, TextLines, csv_rows, json_objects
from polyphony.scoring import dimensions
from polyphony.scoring.documents import COPY_IN_UPLOAD, kept_in_words, kept_share_dimension
from polyphony.scoring.parse import LIMITS
from polyphony.scoring.parse_v1 import numeric_cell
from polyphony.scoring.pii import pii_counts
from polyphony.scoring.results import Dimension, DocumentDecisions
from polyphony.scoring.text import Tokens, normalise

TABLE_FORMATS = frozenset({ContentFormat.CSV, ContentFormat.JSONL, ContentFormat.PARQUET})  # those a table has
EMPTY_ROW = "empty_row"
OTHER_FIELDS = "other_fields"
_CELL_SEPARATOR = "\x1f"  # the unit separator: no normalised cell holds it, so joined rows never run together


@dataclass(frozen=True)
class Row:
    """One row as the judge sees it: each cell as text ("" for null), whether it has the table's fields, and which
    of its values are strings (None: every cell, as in a CSV row)."""

    cells: tuple[str, ...]
    usual_fields: bool = True
    strings: tuple[str, ...] | None = None

    @property
    def text(self) -> str:
        """Its non-blank, non-numeric strings by lines, as the table's text: a table's numbers are no text (an id
        column of 16 digits would pass the Luhn check as a card number one time in ten)."""
        strings = self.cells if self.strings is None else self.strings
        return "\n".join(cell for cell in strings if cell.strip() and not numeric_cell(cell))


def judge_table(
    content: bytes, *, validity: Dimension, content_format: str, config: Mapping[str, Any]
) -> tuple[dict[str, Dimension], DocumentDecisions]:
    """The table's dimensions, measured on its kept rows, and the decision for every row."""
    rows = rows_of(content, content_format=content_format)
    decisions = decide_rows(rows, drop_pii=config["tables"]["drop_pii"])
    kept = rows_dimension(decisions, min_kept_share_bp=int(config["tables"]["min_kept_share_bp"]))
    units = [rows[index].text for index in decisions.kept]
    if not units:
        return {"validity": validity, "documents": kept}, decisions
    text = "\n\n".join(unit for unit in units if unit)
    shown = {
        "validity": validity,
        "documents": kept,
        "pii": dimensions.pii(text, words=Tokens(text).word_count, profile=config["pii"]),
        "redundancy": dimensions.redundancy(units, noun="record", profile=config["redundancy"]),
    }
    return shown, decisions


def decide_rows(rows: Sequence[Row], *, drop_pii: Sequence[str]) -> DocumentDecisions:
    """Judge every row in order; each weighs one (see the module docstring)."""
    kept: list[int] = []
    dropped: dict[str, list[int]] = {}
    seen: set[bytes] = set()
    for index, row in enumerate(rows):
        reason = _reason(row, seen=seen, drop_pii=drop_pii)
        if reason is None:
            kept.append(index)
        else:
            dropped.setdefault(reason, []).append(index)
    return DocumentDecisions(
        count=len(rows), kept=tuple(kept), dropped={reason: tuple(found) for reason, found in dropped.items()},
        words=len(rows), kept_words=len(kept),
    )  # fmt: skip


def _reason(row: Row, *, seen: set[bytes], drop_pii: Sequence[str]) -> str | None:
    """Why `row` is dropped, or None when it is kept; `seen` gathers the kept rows' hashes."""
    if not any(cell.strip() for cell in row.cells):
        return EMPTY_ROW
    if not row.usual_fields:
        return OTHER_FIELDS
    digest = row_hash(row)
    if digest in seen:
        return COPY_IN_UPLOAD
    counts = pii_counts(row.text)  # cells by lines: no detector reads across a line break, so cells stay apart
    found = [kind for kind in drop_pii if counts.get(kind)]
    if found:
        return f"pii:{found[0]}"
    seen.add(digest)
    return None


def row_hash(row: Row) -> bytes:
    """sha256 of the row's cells, each normalised (NFKC, casefolded, whitespace runs as one space), joined."""
    return hashlib.sha256(_CELL_SEPARATOR.join(map(normalise, row.cells)).encode()).digest()


def rows_dimension(decisions: DocumentDecisions, *, min_kept_share_bp: int) -> Dimension:
    """How many of the table's rows are kept: below `min_kept_share_bp` of them the whole table fails."""
    features = {"documents": decisions.count, "kept": len(decisions.kept)}
    explanation = kept_in_words(decisions, noun="rows", share="%", example="row")
    return kept_share_dimension(decisions, min_kept_share_bp=min_kept_share_bp, explanation=explanation,
                                features=features)  # fmt: skip


def rows_of(content: bytes, *, content_format: str) -> list[Row]:
    """The rows of a table, in order, read by the upload's own readers (which `parse` has already run on it)."""
    fmt = ContentFormat(content_format)
    if fmt is ContentFormat.CSV:
        return [Row(tuple(cells)) for cells in _csv_body(content)]
    if fmt is ContentFormat.JSONL:
        return _jsonl_rows(content)
    if fmt is ContentFormat.PARQUET:
        return list(_parquet_rows(content))
    raise ValueError(f"{content_format} is no table format")


def _lines(content: bytes) -> TextLines:
    return TextLines(io.BytesIO(content), limits=LIMITS)


def _csv_body(content: bytes) -> Iterator[list[str]]:
    rows = csv_rows(_lines(content), limits=LIMITS)
    next(rows, None)  # the header
    return rows


def _jsonl_rows(content: bytes) -> list[Row]:
    records = list(json_objects(_lines(content)))
    keysets = Counter(tuple(sorted(record)) for record in records)
    usual = min(keysets.items(), key=lambda item: (-item[1], item[0]))[0]  # as `parse` picks the commonest
    return [_jsonl_row(record, usual=usual) for record in records]


def _jsonl_row(record: Mapping[str, object], *, usual: tuple[str, ...]) -> Row:
    keys = tuple(sorted(record))
    strings = tuple(value for value in record.values() if isinstance(value, str))  # as `parse` reads a record
    return Row(tuple(_json_cell(record[key]) for key in keys), usual_fields=keys == usual, strings=strings)


def _json_cell(value: object) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    if value in ([], {}):
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _parquet_rows(content: bytes) -> Iterator[Row]:
    for batch in ParquetRows(content, limits=LIMITS).batches():
        columns = [batch.column(index).to_pylist() for index in range(batch.num_columns)]
        for cells in zip(*columns, strict=True):
            strings = tuple(cell for cell in cells if isinstance(cell, str))
            yield Row(tuple(map(_parquet_cell, cells)), strings=strings)


def _parquet_cell(value: object) -> str:
    """A typed value as text; bytes by their sha256, so a binary column counts in the row's hash and is no text."""
    if value is None or value == b"":
        return ""
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)
