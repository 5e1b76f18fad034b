"""The trainer's verified pull of a round, from a remote API and the chain, without trusting either blindly.

1. The chain: the dataset registry must count datasets for the round, and every (root, manifest CID) the API
   lists must be approved on-chain (`approvalBlock`, then the `DatasetApproved` event of that block, whose
   manifest CID is the one used, not the API's); the API must list as many datasets as the chain counts.
2. Each manifest is read by CID, its bytes must rebuild that CID, and its rows must rebuild the approved root.
3. Contributions withdrawn since (the API's `/tombstones`) are dropped.
4. Every file streams to disk with its CID checked on the way (`pull_files`), in parallel, resumably.
5. Parquet (text and tabular records, one row each), the Croissant manifests and a lineage file are written.
   Only the documents a manifest row keeps (`kept_documents`) reach the Parquet: the files are checked whole
   against their CIDs first, then filtered, so what is kept is what the approved manifest says of exact bytes.
No database is needed: a trainer runs this on any machine with the API's URL and a chain node.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from web3 import Web3

from chain.bindings import load_artifact
from governance.datasets.kept import KeptRanges, kept_in_row
from governance.datasets.service import read_manifest_rows, root_of_rows
from governance.rounds.errors import ApprovalMismatch, PullRefused, RoundNotApproved, TamperedItem
from governance.rounds.lineage import ApprovedManifest, lineage_document
from governance.rounds.pull_files import (
    WantedFile,
    fetch_verified,
    read_fully,
    write_atomically,
    write_bytes_atomically,
)
from polyphony.errors import Unavailable
from polyphony.storage.base import BlobReader
from polyphony.storage.cid import normalize_cid
from polyphony.storage.unixfs import cid_of

PAGE = 500
PARQUET_BATCH_ROWS = 10_000
PARQUET_SCHEMA = pa.schema([
    ("contribution_id", pa.int64()), ("cid", pa.string()), ("license", pa.string()), ("contributor", pa.string()),
    ("record", pa.int64()), ("text", pa.string()),
])  # fmt: skip
_RECORD_FORMATS = {"text", "jsonl", "csv", "parquet"}


class SourceUnavailable(Unavailable):
    code = "source_unavailable"


@dataclass(frozen=True)
class PullReport:
    """What a pull wrote: the datasets, the files kept and dropped, and the outputs."""

    round: int
    manifests: list[ApprovedManifest]
    files: int
    dropped: list[int]
    parquet: list[Path]
    lineage: Path


def approved_on_chain(web3: Web3, *, registry: str, round_number: int, listed: list[dict[str, Any]]) -> dict[str, str]:
    """{root: manifest CID} of the round as the chain has it, checked against what the API `listed`."""
    contract = web3.eth.contract(address=Web3.to_checksum_address(registry), abi=load_artifact("DatasetRegistry").abi)
    count = contract.functions.datasetCount(round_number).call()
    if count == 0:
        raise RoundNotApproved(f"round {round_number} has no dataset approved on-chain (registry {registry})")
    approved: dict[str, str] = {}
    for root in sorted({entry["root"] for entry in listed}):
        block = contract.functions.approvalBlock(round_number, bytes.fromhex(root[2:])).call()
        if block == 0:
            raise ApprovalMismatch(f"the API lists dataset {root} for round {round_number}: never approved on-chain")
        found = contract.events.DatasetApproved().get_logs(
            from_block=block, to_block=block,
            argument_filters={"round": round_number, "manifestRoot": bytes.fromhex(root[2:])},
        )  # fmt: skip
        approved[root] = normalize_cid(found[0]["args"]["manifestCid"])
    if len(approved) != count:
        raise ApprovalMismatch(
            f"the chain approved {count} datasets for round {round_number}; the API lists {len(approved)}"
        )
    return approved


def verified_manifest(blobs: BlobReader, *, root: str, manifest_cid: str) -> tuple[bytes, ApprovedManifest]:
    """The manifest's bytes, checked against its CID, and its rows, checked against the approved root."""
    content = read_fully(blobs, manifest_cid)
    if cid_of(content) != manifest_cid:
        raise TamperedItem(f"the manifest of dataset {root} ({manifest_cid}) does not hash to its CID: refused")
    try:
        rows = read_manifest_rows(json.loads(content))
        rebuilt = root_of_rows(rows)
        for row in rows:
            kept_in_row(row)
    except (ValueError, KeyError, TypeError):
        raise TamperedItem(f"the manifest of dataset {root} ({manifest_cid}) is not a dataset manifest") from None
    if rebuilt != root:
        raise TamperedItem(f"the manifest {manifest_cid} rebuilds root {rebuilt}, not the approved {root}: refused")
    return content, ApprovedManifest(root=root, manifest_cid=manifest_cid, rows=rows)


def tombstoned(api: httpx.Client) -> set[int]:
    """Every contribution withdrawn so far, as the API's `/tombstones` lists them."""
    withdrawn: set[int] = set()
    offset = 0
    while True:
        page = _json(api, "/tombstones", params={"offset": offset, "limit": PAGE})
        withdrawn |= {int(item["contribution_id"]) for item in page["items"]}
        offset += PAGE
        if offset >= int(page["total"]):
            return withdrawn


def pull_round(
    round_number: int, *, api: httpx.Client, web3: Web3, registry: str, blobs: BlobReader, out: Path,
    workers: int = 8, on_total: Callable[[int], None] = lambda _total: None,
    on_bytes: Callable[[int], None] = lambda _count: None,
) -> PullReport:  # fmt: skip
    """Pull round `round_number` into `out`, verified end to end; raise on the first thing that does not hold."""
    listed = _json(api, f"/rounds/{round_number}", missing_ok=True).get("datasets", [])
    approved = approved_on_chain(web3, registry=registry, round_number=round_number, listed=listed)
    out.mkdir(parents=True, exist_ok=True)
    manifests = []
    for root, manifest_cid in sorted(approved.items()):
        content, manifest = verified_manifest(blobs, root=root, manifest_cid=manifest_cid)
        write_bytes_atomically(_croissant_path(out, manifest_cid), content)
        manifests.append(manifest)
    dropped = tombstoned(api)
    every_row = {int(row["contribution_id"]): row for manifest in manifests for row in manifest.rows}
    rows = {number: row for number, row in every_row.items() if number not in dropped}
    wanted = [WantedFile(number, row["cid"], int(row["size"])) for number, row in sorted(rows.items())]
    on_total(sum(item.size for item in {item.cid: item for item in wanted}.values()))
    fetch_verified(wanted, blobs=blobs, folder=out, workers=workers, on_bytes=on_bytes)
    parquet = write_parquet(out, [rows[number] for number in sorted(rows)])
    lineage = out / "lineage.json"
    document = lineage_document(round_number, manifests, dropped=dropped, chain_id=web3.eth.chain_id)
    write_bytes_atomically(lineage, document)
    return PullReport(round_number, manifests, len(wanted), sorted(dropped & set(every_row)), parquet, lineage)


def _croissant_path(out: Path, manifest_cid: str) -> Path:
    folder = out / "croissant"
    folder.mkdir(exist_ok=True)
    return folder / f"{manifest_cid}.json"


def _json(api: httpx.Client, path: str, *, missing_ok: bool = False, **request: Any) -> dict[str, Any]:
    try:
        answer = api.get(path, **request)
    except httpx.TransportError as error:
        raise SourceUnavailable(f"cannot reach the API for {path} ({type(error).__name__})") from None
    if answer.status_code == 404 and missing_ok:
        return {}
    if answer.status_code != 200:
        raise PullRefused(f"the API answered {answer.status_code} for {path}: {answer.text[:200]}")
    found: dict[str, Any] = answer.json()
    return found


def write_parquet(out: Path, rows: list[dict[str, Any]]) -> list[Path]:
    """One Parquet file per modality (text, tabular): a row per kept record of every text or tabular file."""
    written = []
    for modality in ("text", "tabular"):
        members = [row for row in rows if row["modality"] == modality and row["format"] in _RECORD_FORMATS]
        if members:
            path = out / f"{modality}.parquet"
            write_atomically(path, partial(_write_records, files=out / "files", members=members))
            written.append(path)
    return written


def _write_records(file: BinaryIO, *, files: Path, members: list[dict[str, Any]]) -> None:
    with pq.ParquetWriter(file, PARQUET_SCHEMA) as writer:
        for member in members:
            batch: list[tuple[int, str]] = []
            kept = kept_in_row(member)
            for record in _kept_records(files / member["cid"], member["format"], kept=kept):
                batch.append(record)
                if len(batch) == PARQUET_BATCH_ROWS:
                    writer.write_table(_table(member, batch))
                    batch = []
            writer.write_table(_table(member, batch))


def _table(member: dict[str, Any], records: list[tuple[int, str]]) -> pa.Table:
    count = len(records)
    columns = {
        "contribution_id": [int(member["contribution_id"])] * count, "cid": [member["cid"]] * count,
        "license": [member["license"]] * count, "contributor": [member["contributor"]] * count,
        "record": [number for number, _ in records], "text": [text for _, text in records],
    }  # fmt: skip
    return pa.table(columns, schema=PARQUET_SCHEMA)


def _kept_records(path: Path, content_format: str, *, kept: KeptRanges | None) -> Iterator[tuple[int, str]]:
    """Each record the manifest keeps, with its number in the file (the scorer's document index)."""
    records = enumerate(_records(path, content_format))
    if kept is None:
        yield from records
    elif content_format == "text":  # a plain-text file is one document: every line of it, or none
        yield from records if 0 in kept else ()
    else:
        yield from ((number, text) for number, text in records if number in kept)


def _records(path: Path, content_format: str) -> Iterator[str]:
    """Each record of a verified file as text: a line, a JSON object, a CSV row or Parquet row as JSON."""
    if content_format == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield from (json.dumps(row, default=str, ensure_ascii=False) for row in batch.to_pylist())
        return
    with path.open(encoding="utf-8", newline="") as text:
        if content_format == "csv":
            yield from (json.dumps(row, ensure_ascii=False) for row in csv.DictReader(text))
            return
        yield from (line.rstrip("\r\n") for line in text if line.strip())
