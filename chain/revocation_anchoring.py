"""Anchor revocations: batch the tombstones, pin the batch manifest, put the root on-chain with kind 1.

The same steps as claims (chain.anchoring), each committed before the next and each safe to run again, so a
trainer can check a withdrawal against the provenance registry without trusting our `/tombstones` answer.
A revocation leaf is (contributor, contribution id, revocation digest): the digest binds the CID, nonce and
deadline the contributor signed, and the manifest carries every signature.
"""

import io
import json
import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.eip712 import Revocation, digest, provenance_domain, typed_data
from chain.errors import NotAnchoredYet
from chain.keys import KeyRole
from chain.merkle import StandardMerkleTree, proof_from_leaves
from chain.provenance import Provenance
from chain.senders import configured_deployment, sender_for
from chain.tx import TxSender
from polyphony.clock import utcnow
from polyphony.contributions import service
from polyphony.db import session_scope
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus, Tombstone
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.cid import parse_cid

log = logging.getLogger(__name__)

MAX_BATCH = 1000
REVOCATION_LEAF_ENCODING = ("address", "uint256", "bytes32")
REVOCATION_MANIFEST_VERSION = "polyphony-revocation-manifest/1"


class BatchLeavesChanged(RuntimeError):
    """The database lost or changed a member of an anchored batch: a bug or tampering, never a caller's fault."""


@dataclass(frozen=True)
class RevocationAnchoring(Provenance):
    """Where one revocation is anchored: a claim's kind of proof (leaf, proof, root, transaction), and its batch."""

    batch_id: int
    kind: int = BatchKind.REVOCATIONS


def revocation_leaf(tombstone: Tombstone, *, chain_id: int, registry: str) -> tuple[str, int, str]:
    """The Merkle leaf values of `tombstone`: contributor, contribution id, digest of the signed revocation."""
    revocation = Revocation(
        contributor=tombstone.contributor, contribution_cid=tombstone.cid or "", nonce=tombstone.contribution_id,
        deadline=tombstone.deadline,
    )  # fmt: skip
    revocation_digest = digest(typed_data(provenance_domain(chain_id, registry=registry), message=revocation))
    return tombstone.contributor, tombstone.contribution_id, "0x" + revocation_digest.hex()


def revocation_tree(members: list[Tombstone], *, chain_id: int, registry: str) -> StandardMerkleTree:
    """The Merkle tree over `members`' revocations, as anchored."""
    leaves = [revocation_leaf(member, chain_id=chain_id, registry=registry) for member in members]
    return StandardMerkleTree.of(leaves, leaf_encoding=REVOCATION_LEAF_ENCODING)


def anchor_revocations(
    *, sender: TxSender, deployment: Deployment, storage: Storage, max_batch: int = MAX_BATCH
) -> AnchorBatch | None:
    """Finish the open revocation batch, or build one from waiting tombstones and anchor it; None when none wait."""
    batch_id = _open_batch_id() or _build_batch(deployment, max_batch=max_batch)
    if batch_id is None:
        return None
    _pin_manifest(batch_id, storage=storage)
    tx_hash, block_number = _send_anchor(batch_id, sender=sender, deployment=deployment)
    return _mark_anchored(batch_id, tx_hash=tx_hash, block_number=block_number)


def _open_batch_id() -> int | None:
    with session_scope() as session:
        open_revocations = (AnchorBatch.status == BatchStatus.BUILT) & (AnchorBatch.kind == BatchKind.REVOCATIONS)
        return session.exec(select(AnchorBatch.id).where(open_revocations)).first()


def _build_batch(deployment: Deployment, *, max_batch: int) -> int | None:
    registry = deployment.contracts["provenanceRegistry"].address
    with session_scope() as session:
        waiting = select(Tombstone).where(col(Tombstone.batch_id).is_(None)).order_by(col(Tombstone.id))
        # Locked as read, as claims are (`chain.anchoring`): two builders never give one tombstone to two batches.
        members = list(session.exec(waiting.limit(max_batch).with_for_update()))
        if not members:
            return None
        tree = revocation_tree(members, chain_id=deployment.chain_id, registry=registry)
        batch = AnchorBatch(
            kind=BatchKind.REVOCATIONS, root=tree.root, count=len(members), chain_id=deployment.chain_id,
            registry_address=registry,
        )  # fmt: skip
        session.add(batch)
        session.flush()
        for index, member in enumerate(members):
            member.batch_id, member.leaf = batch.id, tree.leaf_hash(index)
            session.add(member)
        return batch.id


def revocation_members(session: Session, batch_id: int) -> list[Tombstone]:
    """The tombstones of revocation batch `batch_id`, in leaf order."""
    query = select(Tombstone).where(Tombstone.batch_id == batch_id).order_by(col(Tombstone.id))
    return list(session.exec(query))


def revocation_manifest(batch: AnchorBatch, members: list[Tombstone], *, tree: StandardMerkleTree) -> bytes:
    """The revocation batch manifest pinned to storage: every signed revocation, and the tree to prove leaves."""
    revocations = [
        {"contribution": member.contribution_id, "contributor": member.contributor, "cid": member.cid,
         "nonce": member.contribution_id, "deadline": member.deadline, "signature": member.signature}
        for member in members
    ]  # fmt: skip
    manifest = {
        "version": REVOCATION_MANIFEST_VERSION, "kind": int(BatchKind.REVOCATIONS), "chainId": batch.chain_id,
        "registry": batch.registry_address, "root": tree.root, "count": len(members),
        "leafEncoding": list(REVOCATION_LEAF_ENCODING), "revocations": revocations, "tree": tree.dump(),
    }  # fmt: skip
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def _pin_manifest(batch_id: int, *, storage: Storage) -> None:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        if batch.manifest_cid is not None:
            return
        members = revocation_members(session, batch_id)
        tree = revocation_tree(members, chain_id=batch.chain_id, registry=batch.registry_address)
        assert tree.root == batch.root, "a batch's members changed after its root was fixed"
        batch.manifest_cid = storage.add(io.BytesIO(revocation_manifest(batch, members, tree=tree))).cid
        session.add(batch)


def _send_anchor(batch_id: int, *, sender: TxSender, deployment: Deployment) -> tuple[str, int]:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        root, count, manifest_cid = batch.root, batch.count, batch.manifest_cid
    registry = deployment.bind(sender.web3, "provenanceRegistry")
    manifest = parse_cid(str(manifest_cid))
    call = call_of(
        registry, "anchorKind", int(BatchKind.REVOCATIONS), bytes.fromhex(root[2:]), count, manifest.codec,
        manifest.digest,
    )  # fmt: skip
    tx = sender.send(f"anchor-revocations:{registry.address}:{root}", call)
    return str(tx.tx_hash), int(tx.block_number or 0)


def _mark_anchored(batch_id: int, *, tx_hash: str, block_number: int) -> AnchorBatch:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        batch.status, batch.tx_hash, batch.block_number = BatchStatus.ANCHORED, tx_hash, block_number
        batch.anchored_at = utcnow()
        session.add(batch)
        return batch


def revocation_anchoring(session: Session, tombstone: Tombstone) -> RevocationAnchoring:
    """The leaf, proof, root and anchoring transaction of `tombstone`; NotAnchoredYet until its batch is on-chain."""
    batch = session.get(AnchorBatch, tombstone.batch_id) if tombstone.batch_id is not None else None
    anchored = batch is not None and batch.status == BatchStatus.ANCHORED and batch.kind == BatchKind.REVOCATIONS
    if batch is None or not anchored or batch.id is None:
        raise NotAnchoredYet(f"the revocation of contribution {tombstone.contribution_id} is not anchored yet")
    members = revocation_members(session, batch.id)
    index = [member.id for member in members].index(tombstone.id)
    root, proof = proof_from_leaves([str(member.leaf) for member in members], index)
    if root != batch.root:
        raise BatchLeavesChanged(f"batch {batch.id}'s stored leaves no longer give its anchored root")
    return RevocationAnchoring(
        batch_id=batch.id, leaf=str(tombstone.leaf), proof=proof, root=batch.root, batch_cid=str(batch.manifest_cid),
        tx_hash=str(batch.tx_hash), block_number=int(batch.block_number or 0), chain_id=batch.chain_id,
        registry=batch.registry_address,
    )  # fmt: skip


def listed_with_anchoring(
    session: Session, *, offset: int, limit: int
) -> tuple[list[tuple[Tombstone, RevocationAnchoring | None]], int]:
    """One page of tombstones, newest first, each with its anchoring (None while its batch waits), and the total."""
    page, total = service.list_tombstones(session, offset=offset, limit=limit)
    return [(tombstone, _anchoring_or_none(session, tombstone)) for tombstone in page], total


def _anchoring_or_none(session: Session, tombstone: Tombstone) -> RevocationAnchoring | None:
    try:
        return revocation_anchoring(session, tombstone)
    except NotAnchoredYet:
        return None
    except BatchLeavesChanged:
        # Logged for the operator; the list still answers, and a trainer's check against the chain refuses it.
        log.exception("revocation of contribution %s: its batch no longer proves it", tombstone.contribution_id)
        return None


def anchor_revocations_with_settings(settings: Settings) -> AnchorBatch | None:
    """`anchor_revocations` on the configured chain, deployment, anchorer key and storage."""
    deployment = configured_deployment(settings)
    if deployment is None:
        return None
    with rpc_errors(settings.effective_chain_rpc_url):
        sender = sender_for(settings, KeyRole.ANCHORER)
        return anchor_revocations(sender=sender, deployment=deployment, storage=storage_from_settings(settings))
