"""Lineage: which round, datasets, contributions and contributors a model was trained on.

A lineage document is canonical JSON built from the approved manifests of a round minus the contributions
withdrawn since; `polyphony pull` writes it beside the data, with `rows`: for each config, every row range of
every Parquet shard and the file (contribution, CID, kept documents) it came from; the API pins it (without
`rows`) when a model is registered, and the dataset registry's
`ModelRegistered(round, registrant, modelCid, lineageCid)` event binds a model to it.
"""

import io
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_typing import HexStr
from sqlmodel import Session, col, select
from web3 import Web3
from web3.exceptions import TransactionNotFound

from chain.bindings import Deployment
from chain.client import rpc_errors
from chain.indexer import DEPLOYMENT_CURSOR, events
from governance.datasets.service import stored_manifest_rows
from governance.rounds.approvals import approvals
from governance.rounds.errors import ModelNotFound, RegistrationNotFound
from polyphony.db import page_of
from polyphony.models.contribution import Tombstone
from polyphony.models.dataset import Model
from polyphony.storage.base import Storage

LINEAGE_VERSION = "polyphony-lineage/1"


@dataclass(frozen=True)
class ApprovedManifest:
    """One approved dataset of a round, with the member rows of its (verified) manifest."""

    root: str
    manifest_cid: str
    rows: list[dict[str, Any]]


def lineage_document(
    round_number: int,
    manifests: Sequence[ApprovedManifest],
    *,
    dropped: Collection[int],
    chain_id: int,
    rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> bytes:
    """The canonical lineage JSON: the round, its datasets, the contributions kept and their contributors, and
    (from a pull) where each row range of its Parquet came from."""
    kept: dict[int, dict[str, Any]] = {}
    datasets = []
    for manifest in sorted(manifests, key=lambda approved: approved.root):
        ids = sorted(int(row["contribution_id"]) for row in manifest.rows if int(row["contribution_id"]) not in dropped)
        datasets.append({"root": manifest.root, "manifestCid": manifest.manifest_cid, "contributions": ids})
        for row in manifest.rows:
            if int(row["contribution_id"]) not in dropped:
                kept[int(row["contribution_id"])] = _lineage_entry(row)
    document = {
        "version": LINEAGE_VERSION, "round": round_number, "chainId": chain_id, "datasets": datasets,
        "contributions": [kept[number] for number in sorted(kept)],
        "contributors": sorted({entry["contributor"] for entry in kept.values()}),
        "dropped": sorted(set(dropped) & {int(row["contribution_id"]) for m in manifests for row in m.rows}),
    }  # fmt: skip
    if rows is not None:
        document["rows"] = rows
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _lineage_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["contribution_id"]), "cid": row["cid"], "sha256": row["sha256"], "license": row["license"],
        "contributor": row["contributor"],
    }  # fmt: skip


def round_lineage(session: Session, *, storage: Storage, deployment: Deployment, round_number: int) -> bytes:
    """The lineage document of round `round_number` as of now (approved manifests minus tombstones)."""
    manifests = [
        ApprovedManifest(approval.root, approval.manifest_cid, stored_manifest_rows(storage, approval.manifest_cid))
        for approval in approvals(session, deployment=deployment, round_number=round_number)
    ]
    ids = {int(row["contribution_id"]) for manifest in manifests for row in manifest.rows}
    dropped = set(session.exec(select(Tombstone.contribution_id).where(col(Tombstone.contribution_id).in_(ids))))
    return lineage_document(round_number, manifests, dropped=dropped, chain_id=deployment.chain_id)


def pin_round_lineage(session: Session, *, storage: Storage, deployment: Deployment, round_number: int) -> str:
    """Pin the round's lineage document; return its CID (the `lineageCid` a model registration names)."""
    document = round_lineage(session, storage=storage, deployment=deployment, round_number=round_number)
    return storage.add(io.BytesIO(document)).cid


def record_registration(session: Session, *, web3: Web3, deployment: Deployment, tx_hash: str) -> list[Model]:
    """Record the `ModelRegistered` events of transaction `tx_hash` (idempotent); `RegistrationNotFound` if none."""
    try:
        with rpc_errors():
            receipt = web3.eth.get_transaction_receipt(HexStr(tx_hash))
    except TransactionNotFound:
        raise RegistrationNotFound(f"no mined transaction {tx_hash} on this chain") from None
    registry = deployment.bind(web3, "datasetRegistry")
    registered = [
        entry for entry in registry.events.ModelRegistered().process_receipt(receipt)
        if entry["address"] == registry.address
    ]  # fmt: skip
    if not registered:
        raise RegistrationNotFound(f"transaction {tx_hash} registered no model on the dataset registry")
    return [_recorded(session, entry) for entry in registered]


def _recorded(session: Session, entry: Any) -> Model:
    tx_hash = "0x" + bytes(entry["transactionHash"]).hex()
    existing = session.exec(select(Model).where(Model.tx_hash == tx_hash, Model.log_index == entry["logIndex"])).first()
    if existing is not None:
        return existing
    args = entry["args"]
    model = Model(
        round=args["round"], model_cid=args["modelCid"], lineage_cid=args["lineageCid"],
        registrant=Web3.to_checksum_address(args["registrant"]), tx_hash=tx_hash, log_index=entry["logIndex"],
        block_number=entry["blockNumber"],
    )  # fmt: skip
    session.add(model)
    session.flush()
    return model


def record_indexed_models(session: Session, *, deployment: Deployment) -> int:
    """Record the indexed `ModelRegistered` events not recorded yet (models registered by any client)."""
    registry = deployment.contracts["datasetRegistry"].address
    found = events(session, cursor=DEPLOYMENT_CURSOR, contract=registry, name="ModelRegistered")
    known = set(session.exec(select(Model.tx_hash, Model.log_index)).all())
    added = 0
    for event in found:
        if (event.tx_hash, event.log_index) not in known:
            facts = {"transactionHash": bytes.fromhex(event.tx_hash[2:]), "logIndex": event.log_index}
            _recorded(session, {**facts, "blockNumber": event.block_number, "args": event.args})
            added += 1
    return added


def get_model(session: Session, model_id: int) -> Model:
    """The model `model_id`."""
    model = session.get(Model, model_id)
    if model is None:
        raise ModelNotFound(f"there is no model {model_id}")
    return model


def list_models(session: Session, *, round_number: int | None, offset: int, limit: int) -> tuple[list[Model], int]:
    """One page of registered models, newest first, of one round if given, and how many there are."""
    query = select(Model).order_by(col(Model.id).desc())
    if round_number is not None:
        query = query.where(Model.round == round_number)
    return page_of(session, query, offset=offset, limit=limit)


def model_lineage(storage: Storage, model: Model) -> dict[str, Any]:
    """The lineage document the model's registration names, read back from storage."""
    return cast(dict[str, Any], json.loads(b"".join(storage.cat(model.lineage_cid))))
