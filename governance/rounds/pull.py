"""The trainer's verified pull of a round, from a remote API and the chain, without trusting either blindly.

1. The chain: the dataset registry must count datasets for the round, and every (root, manifest CID) the API
   lists must be approved on-chain (`approvalBlock`, then the `DatasetApproved` event of that block, whose
   manifest CID is the one used, not the API's); the API must list as many datasets as the chain counts.
2. Each manifest is read by CID, its bytes must rebuild that CID, and its rows must rebuild the approved root.
3. Contributions withdrawn since are dropped: the revocations anchored on the provenance registry, checked
   against the API's `/tombstones` both ways (`withdrawn`), plus tombstones whose batch is not anchored yet.
   Documents a majority of their reviewers rejected since are left out of the rows, as the round's deletion feed
   lists them (`withdrawals`).
4. Every file streams to disk with its CID checked on the way (`pull_files`), in parallel, resumably.
5. The verified files become typed Parquet, one table per config (`text`, `tabular`, `image`: `rows`), sharded
   as Hugging Face lays it out (`shards`), with a dataset card and a Croissant file (`card`) and a lineage file
   that maps every row range back to its file. Only the documents a manifest row keeps (`kept_documents`) become
   rows: the files are checked whole against their CIDs first, then read, so what is kept is what the approved
   manifest says of exact bytes. Each config is read twice from disk (its column types, then its rows) and
   streamed out, so no round is ever held in memory.
No database is needed: a trainer runs this on any machine with the API's URL and a chain node.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from web3 import Web3

from chain.bindings import load_artifact
from governance.datasets.kept import kept_in_row
from governance.datasets.service import read_manifest_rows, root_of_rows
from governance.rounds.card import Approval, RoundFacts, croissant, dataset_card
from governance.rounds.errors import ApprovalMismatch, PullRefused, RoundNotApproved, TamperedItem
from governance.rounds.lineage import ApprovedManifest, lineage_document
from governance.rounds.pull_files import WantedFile, fetch_verified, read_fully, write_bytes_atomically
from governance.rounds.rows import (
    CONFIGS,
    DEFAULT_TEXT_FIELD,
    RECORD_FORMATS,
    ColumnTypes,
    Source,
    documents,
    typed_row,
)
from governance.rounds.shards import ROW_GROUP_BYTES, SHARD_BYTES, ShardWriter, WrittenConfig
from governance.rounds.withdrawals import WITHDRAWALS_FILE, fetch_withdrawals, rejected_by_review
from governance.rounds.withdrawn import CheckedWithdrawals, checked_withdrawals
from polyphony.errors import Unavailable
from polyphony.storage.base import BlobReader
from polyphony.storage.cid import normalize_cid
from polyphony.storage.unixfs import cid_of

PAGE = 500


class SourceUnavailable(Unavailable):
    code = "source_unavailable"


@dataclass(frozen=True)
class PullReport:
    """What a pull wrote: the datasets, the files kept and dropped, and the outputs."""

    round: int
    manifests: list[ApprovedManifest]
    files: int
    dropped: list[int]
    configs: list[WrittenConfig]
    card: Path
    lineage: Path
    withdrawals: CheckedWithdrawals
    rejected_documents: int = 0  # documents of kept files left out: a majority of their reviewers rejected them

    @property
    def parquet(self) -> list[Path]:
        """Every shard written, config by config."""
        return [shard for config in self.configs for shard in config.shards]


def approved_on_chain(
    web3: Web3, *, registry: str, round_number: int, listed: list[dict[str, Any]]
) -> dict[str, Approval]:
    """{root: its approval} of the round as the chain has it, checked against what the API `listed`."""
    contract = web3.eth.contract(address=Web3.to_checksum_address(registry), abi=load_artifact("DatasetRegistry").abi)
    count = contract.functions.datasetCount(round_number).call()
    if count == 0:
        raise RoundNotApproved(f"round {round_number} has no dataset approved on-chain (registry {registry})")
    approved: dict[str, Approval] = {}
    for root in sorted({entry["root"] for entry in listed}):
        block = contract.functions.approvalBlock(round_number, bytes.fromhex(root[2:])).call()
        if block == 0:
            raise ApprovalMismatch(f"the API lists dataset {root} for round {round_number}: never approved on-chain")
        found = contract.events.DatasetApproved().get_logs(
            from_block=block, to_block=block,
            argument_filters={"round": round_number, "manifestRoot": bytes.fromhex(root[2:])},
        )  # fmt: skip
        event = found[0]
        cid, tx_hash = normalize_cid(event["args"]["manifestCid"]), "0x" + bytes(event["transactionHash"]).hex()
        approved[root] = Approval(root=root, manifest_cid=cid, tx_hash=tx_hash, block=int(block))
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


def pull_round(
    round_number: int, *, api: httpx.Client, web3: Web3, registry: str, provenance_registry: str, blobs: BlobReader,
    out: Path,
    workers: int = 8, on_total: Callable[[int], None] = lambda _total: None,
    on_bytes: Callable[[int], None] = lambda _count: None,
) -> PullReport:  # fmt: skip
    """Pull round `round_number` into `out`, verified end to end; raise on the first thing that does not hold."""
    listed = _json(api, f"/rounds/{round_number}", missing_ok=True).get("datasets", [])
    approved = approved_on_chain(web3, registry=registry, round_number=round_number, listed=listed)
    out.mkdir(parents=True, exist_ok=True)
    manifests = []
    for root, approval in sorted(approved.items()):
        content, manifest = verified_manifest(blobs, root=root, manifest_cid=approval.manifest_cid)
        write_bytes_atomically(_croissant_path(out, approval.manifest_cid), content)
        manifests.append(manifest)
    withdrawals = checked_withdrawals(api, web3=web3, registry=provenance_registry, blobs=blobs)
    dropped = withdrawals.withdrawn
    every_row = {int(row["contribution_id"]): row for manifest in manifests for row in manifest.rows}
    rows = {number: row for number, row in every_row.items() if number not in dropped}
    wanted = [WantedFile(number, row["cid"], int(row["size"])) for number, row in sorted(rows.items())]
    on_total(sum(item.size for item in {item.cid: item for item in wanted}.values()))
    fetch_verified(wanted, blobs=blobs, folder=out, workers=workers, on_bytes=on_bytes)
    # What left the round since its approval: written for a trainer who pulled it earlier to delete too, and the
    # documents its reviewers rejected are left out of the rows here (on the API's word: it can only take away).
    feed = fetch_withdrawals(api, round_number=round_number)
    rejected = rejected_by_review(feed["items"])
    sources = [_source(api, out, rows[number], rejected=rejected.get(number, frozenset())) for number in sorted(rows)]
    written = write_configs(out, sources)
    facts = _facts(
        round_number, web3.eth.chain_id, registry, approved, written, sources, sorted(dropped & set(every_row))
    )
    card = out / "README.md"
    write_bytes_atomically(out / "croissant.json", croissant(facts, written))
    write_bytes_atomically(card, dataset_card(facts, written).encode())
    lineage = out / "lineage.json"
    ranges = {config.config: [found.as_json() for found in config.ranges] for config in written}
    document = lineage_document(round_number, manifests, dropped=dropped, chain_id=web3.eth.chain_id, rows=ranges)
    write_bytes_atomically(lineage, document)
    write_bytes_atomically(out / WITHDRAWALS_FILE, (json.dumps(feed, indent=2) + "\n").encode())
    left_out = sum(len(source.rejected) for source in sources)
    return PullReport(
        round_number, manifests, len(wanted), list(facts.dropped), written, card, lineage, withdrawals, left_out
    )


def _source(api: httpx.Client, out: Path, row: dict[str, Any], *, rejected: frozenset[int]) -> Source:
    """A verified file to read, with its records' text field as the API shows it (for text records only), less
    the documents of it that its reviewers `rejected`."""
    text_field = DEFAULT_TEXT_FIELD
    if row["modality"] == "text" and row["format"] in RECORD_FORMATS:
        text_field = _json(api, f"/contributions/{int(row['contribution_id'])}").get("text_field") or text_field
    return Source(row=row, path=out / "files" / row["cid"], text_field=text_field, rejected=rejected)


def write_configs(
    out: Path, sources: Sequence[Source], *, shard_bytes: int = SHARD_BYTES, row_group_bytes: int = ROW_GROUP_BYTES
) -> list[WrittenConfig]:
    """Each config's rows as typed, sharded Parquet under `out/data/`; a config without rows is not written."""
    written = []
    for config in CONFIGS:
        members = [source for source in sources if source.config == config]
        types = ColumnTypes(config)
        if config != "image":  # an image's columns are fixed: its bytes are read once, not twice
            for member in members:
                for _record, content in _read(member):
                    types.add(content)
        schema = types.schema()
        writer = ShardWriter(out / "data", config, schema, shard_bytes=shard_bytes, row_group_bytes=row_group_bytes)
        for member in members:
            for record, content in _read(member):
                writer.add(typed_row(schema, member.lineage(record), content))
        if writer.rows:
            written.append(writer.finish())
        else:
            writer.abandon()
    return written


def _read(source: Source) -> Iterator[tuple[int, dict[str, Any]]]:
    """The kept documents of a verified file; `PullRefused` naming it if its bytes do not read as its format."""
    try:
        yield from documents(source)
    except (ValueError, OSError) as error:  # bad JSON, UTF-8 or CSV, an unreadable Parquet file or image
        row = source.row
        raise PullRefused(
            f"contribution {row['contribution_id']} ({row['cid']}): its verified bytes do not read as "
            f"{row['format']}: {str(error)[:200]}"
        ) from None


def _facts(
    round_number: int, chain_id: int, registry: str, approved: dict[str, Approval], written: Iterable[WrittenConfig],
    sources: Sequence[Source], dropped: Sequence[int],
) -> RoundFacts:  # fmt: skip
    licenses: Counter[str] = Counter()
    by_contribution = {int(source.row["contribution_id"]): str(source.row["license"]) for source in sources}
    for config in written:
        for found in config.ranges:
            licenses[by_contribution[found.contribution_id]] += found.end - found.start
    return RoundFacts(
        round=round_number, chain_id=chain_id, registry=registry,
        approvals=[approved[root] for root in sorted(approved)], licenses=licenses,
        contributors=len({source.row["contributor"] for source in sources}), contributions=len(sources),
        policies=sorted({str(source.row["policy_hash"]) for source in sources}), dropped=dropped,
    )  # fmt: skip


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
