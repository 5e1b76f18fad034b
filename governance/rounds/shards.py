"""Sharded Parquet as Hugging Face lays it out: `data/<config>/train-00000-of-00003.parquet`.

Rows stream in and leave in row groups cut by bytes (`ROW_GROUP_BYTES`, well under 128 MB, so a round of
images is never held in memory); a shard closes before it would pass `SHARD_BYTES` (500 MB). The bytes are
estimated before encoding (`rows.estimated_bytes`), so a shard on disk is at most about that. The shards are
written into a hidden folder and moved into place only once all are written, so a reader never sees half a
config and a re-run replaces the previous one whole. Each run of consecutive rows from one file is a
`RowRange`: the lineage file maps every row range back to its file.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from governance.datasets.kept import ranges_of
from governance.rounds.rows import estimated_bytes

SHARD_BYTES = 500 * 2**20
ROW_GROUP_BYTES = 32 * 2**20
ROW_GROUP_ROWS = 25_000
SPLIT = "train"


@dataclass
class RowRange:
    """Rows [start, end) of a shard, all from one file: its contribution, CID and the documents (records) kept."""

    file: str
    start: int
    end: int
    contribution_id: int
    cid: str
    records: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """As the lineage file lists it."""
        return {
            "file": self.file, "rows": [self.start, self.end], "contribution_id": self.contribution_id,
            "cid": self.cid, "records": ranges_of(self.records),
        }  # fmt: skip


@dataclass(frozen=True)
class WrittenConfig:
    """A config's shards, its row count, its estimated bytes and where each row came from."""

    config: str
    schema: pa.Schema
    shards: list[Path]
    rows: int
    num_bytes: int
    ranges: list[RowRange]


class ShardWriter:
    """Write one config's rows as shards under `data_folder/<config>/`."""

    def __init__(
        self, data_folder: Path, config: str, schema: pa.Schema, *, shard_bytes: int = SHARD_BYTES,
        row_group_bytes: int = ROW_GROUP_BYTES,
    ) -> None:  # fmt: skip
        self.final = data_folder / config
        self.staging = data_folder / f".{config}.partial"
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        self.config, self.schema = config, schema
        self.shard_bytes, self.row_group_bytes = shard_bytes, row_group_bytes
        self._parts: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = self._shard_bytes_written = 0
        self._pending: list[dict[str, Any]] = []
        self._pending_bytes = 0
        self._ranges: list[tuple[int, RowRange]] = []  # (shard index, range)
        self.rows = self.num_bytes = 0

    def add(self, row: dict[str, Any]) -> None:
        """Add one typed row (its lineage columns included)."""
        size = estimated_bytes(row)
        if self._pending and self._pending_bytes + size > self.row_group_bytes:
            self._flush()
        if self._writer is None or (self._shard_rows and self._shard_bytes_written + size > self.shard_bytes):
            self._next_shard()
        self._note_range(row)
        self._pending.append(row)
        self._pending_bytes += size
        self._shard_bytes_written += size
        self._shard_rows += 1
        self.rows += 1
        self.num_bytes += size
        if len(self._pending) >= ROW_GROUP_ROWS:
            self._flush()

    def finish(self) -> WrittenConfig:
        """Close the last shard, name the shards `train-i-of-n` and move them into place."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
        count = len(self._parts)
        names = [f"{SPLIT}-{index:05d}-of-{count:05d}.parquet" for index in range(count)]
        for part, name in zip(self._parts, names, strict=True):
            part.rename(self.staging / name)
        shutil.rmtree(self.final, ignore_errors=True)
        self.staging.rename(self.final)
        shards = [self.final / name for name in names]
        folder = self.final.parent.parent
        ranges = []
        for index, found in self._ranges:
            found.file = str(shards[index].relative_to(folder))
            ranges.append(found)
        return WrittenConfig(self.config, self.schema, shards, self.rows, self.num_bytes, ranges)

    def abandon(self) -> None:
        """Write nothing: a config without rows has no folder (a previous run's is removed)."""
        if self._writer is not None:
            self._writer.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(self.final, ignore_errors=True)

    def _next_shard(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
        part = self.staging / f"part-{len(self._parts):05d}.parquet"
        self._parts.append(part)
        self._writer = pq.ParquetWriter(part, self.schema)
        self._shard_rows = self._shard_bytes_written = 0

    def _flush(self) -> None:
        if self._pending and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema), len(self._pending))
        self._pending, self._pending_bytes = [], 0

    def _note_range(self, row: dict[str, Any]) -> None:
        shard = len(self._parts) - 1
        last = self._ranges[-1] if self._ranges else None
        same = last is not None and last[0] == shard and last[1].contribution_id == row["contribution_id"]
        if last is None or not same:
            number, cid = int(row["contribution_id"]), str(row["cid"])
            self._ranges.append((shard, RowRange("", self._shard_rows, self._shard_rows, number, cid)))
        current = self._ranges[-1][1]
        current.end += 1
        current.records.append(int(row["record"]))
