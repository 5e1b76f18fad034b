"""Anchor claimed contributions: batch them, pin the batch manifest, put the Merkle root on-chain.

Each step commits before the next starts and each can run again: a batch is fixed (members and root) before
anything leaves the database, its manifest bytes are deterministic (same CID if pinned twice), and the anchor
transaction is an intent named by the root (sent once, whatever the retries). A worker killed at any point
resumes the open batch on its next run before it starts a new one.
"""

import io

from sqlmodel import Session, col, select

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.errors import NotAnchoredYet
from chain.keys import KeyRole
from chain.merkle import proof_from_leaves
from chain.provenance import Provenance, batch_manifest, batch_tree
from chain.senders import configured_deployment, sender_for
from chain.tx import TxSender
from polyphony.clock import utcnow
from polyphony.contributions import service
from polyphony.db import session_scope
from polyphony.models.chain import ChainTransaction
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus, Contribution, ContributionStatus
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.cid import parse_cid

MAX_BATCH = 1000


def anchor_claimed(
    *, sender: TxSender, deployment: Deployment, storage: Storage, max_batch: int = MAX_BATCH
) -> AnchorBatch | None:
    """Finish the open batch, or build one from waiting claims and anchor it; None when nothing waits."""
    batch_id = _open_batch_id() or _build_batch(deployment, max_batch=max_batch)
    if batch_id is None:
        return None
    _pin_manifest(batch_id, deployment=deployment, storage=storage)
    tx = _send_anchor(batch_id, sender=sender, deployment=deployment)
    return _mark_anchored(batch_id, tx=tx)


def _open_batch_id() -> int | None:
    with session_scope() as session:
        open_claims = (AnchorBatch.status == BatchStatus.BUILT) & (AnchorBatch.kind == BatchKind.CLAIMS)
        return session.exec(select(AnchorBatch.id).where(open_claims)).first()


def _build_batch(deployment: Deployment, *, max_batch: int) -> int | None:
    with session_scope() as session:
        waiting = select(Contribution).where(
            Contribution.status == ContributionStatus.CLAIMED, col(Contribution.batch_id).is_(None)
        )
        # Locked as read: a builder on another machine that took some of these claims for its batch, and has not
        # committed yet, makes this wait, and its claims are then no longer waiting. Without the lock both would
        # give them to their batches, the second overwriting the first, whose root would then prove nothing.
        members = list(session.exec(waiting.order_by(col(Contribution.id)).limit(max_batch).with_for_update()))
        if not members:
            return None
        tree = batch_tree(members, deployment=deployment)
        batch = AnchorBatch(
            root=tree.root, count=len(members), chain_id=deployment.chain_id,
            registry_address=deployment.contracts["provenanceRegistry"].address,
        )  # fmt: skip
        session.add(batch)
        session.flush()
        for index, member in enumerate(members):
            member.batch_id, member.leaf = batch.id, tree.leaf_hash(index)
            session.add(member)
        return batch.id


def batch_members(session: Session, batch_id: int) -> list[Contribution]:
    """The contributions of batch `batch_id`, in leaf order."""
    query = select(Contribution).where(Contribution.batch_id == batch_id).order_by(col(Contribution.id))
    return list(session.exec(query))


def _pin_manifest(batch_id: int, *, deployment: Deployment, storage: Storage) -> None:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        if batch.manifest_cid is not None:
            return
        members = batch_members(session, batch_id)
        tree = batch_tree(members, deployment=deployment)
        assert tree.root == batch.root, "a batch's members changed after its root was fixed"
        batch.manifest_cid = storage.add(io.BytesIO(batch_manifest(batch, members, tree=tree))).cid
        session.add(batch)


def _send_anchor(batch_id: int, *, sender: TxSender, deployment: Deployment) -> ChainTransaction:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        root, count, manifest_cid = batch.root, batch.count, batch.manifest_cid
    registry = deployment.bind(sender.web3, "provenanceRegistry")
    manifest = parse_cid(str(manifest_cid))
    call = call_of(registry, "anchor", bytes.fromhex(root[2:]), count, manifest.codec, manifest.digest)
    return sender.send(f"anchor:{registry.address}:{root}", call)


def _mark_anchored(batch_id: int, *, tx: ChainTransaction) -> AnchorBatch:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        batch.status, batch.tx_hash, batch.block_number = BatchStatus.ANCHORED, tx.tx_hash, tx.block_number
        batch.anchored_at = utcnow()
        session.add(batch)
        for member in batch_members(session, batch_id):
            service.mark_anchored(session, member, tx_hash=str(tx.tx_hash), batch_id=batch_id)
        return batch


def provenance_of(session: Session, contribution: Contribution) -> Provenance:
    """The leaf, proof, root and anchoring transaction of `contribution`."""
    batch = session.get(AnchorBatch, contribution.batch_id) if contribution.batch_id is not None else None
    if batch is None or batch.status != BatchStatus.ANCHORED:
        raise NotAnchoredYet(
            f"contribution {contribution.id} is {contribution.status}: its claim is not anchored on-chain yet"
        )
    # Each member's leaf hash was stored when the batch was built: the proof needs no claim hashed again.
    members = batch_members(session, int(contribution.batch_id or 0))
    index = [member.id for member in members].index(contribution.id)
    root, proof = proof_from_leaves([str(member.leaf) for member in members], index)
    if root != batch.root:
        raise RuntimeError(f"batch {batch.id}'s stored leaves no longer give its anchored root")
    return Provenance(
        leaf=str(contribution.leaf), proof=proof, root=batch.root, batch_cid=str(batch.manifest_cid),
        tx_hash=str(batch.tx_hash), block_number=int(batch.block_number or 0), chain_id=batch.chain_id,
        registry=batch.registry_address,
    )  # fmt: skip


def anchor_with_settings(settings: Settings) -> AnchorBatch | None:
    """`anchor_claimed` on the configured chain, deployment, anchorer key and storage."""
    deployment = configured_deployment(settings)
    if deployment is None:
        return None
    with rpc_errors(settings.effective_chain_rpc_url):
        sender = sender_for(settings, KeyRole.ANCHORER)
        return anchor_claimed(sender=sender, deployment=deployment, storage=storage_from_settings(settings))
