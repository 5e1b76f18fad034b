"""Anchor batches of signed messages other than claims (revocations, reviews): one mechanism, one kind each.

A kind says which table holds its members (rows with `batch_id` and `leaf`), what a member's Merkle leaf is, and
what its manifest lists of it. The steps are the claims' (chain.anchoring), each committed before the next and
each safe to run again: fix the members and root, pin the manifest (deterministic bytes: the same CID if pinned
twice), send `anchorKind(kind, root, ...)` as an intent named by the root (sent once), mark the batch anchored.
Anyone can then prove a member against the provenance registry without trusting the API.
"""

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlmodel import Session, col, select

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.errors import NotAnchoredYet
from chain.keys import KeyRole
from chain.merkle import StandardMerkleTree, proof_from_leaves
from chain.provenance import Provenance
from chain.senders import configured_deployment, sender_for
from chain.tx import TxSender
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.storage.cid import parse_cid

log = logging.getLogger(__name__)

MAX_BATCH = 1000


class BatchLeavesChanged(RuntimeError):
    """The database lost or changed a member of an anchored batch: a bug or tampering, never a caller's fault."""


class Member(Protocol):
    """A row a signed batch holds: its id orders the leaves."""

    id: int | None
    batch_id: int | None
    leaf: str | None


M = TypeVar("M", bound=Member)


@dataclass(frozen=True)
class BatchAnchoring(Provenance):
    """Where one member is anchored: a claim's kind of proof (leaf, proof, root, transaction), its batch and kind."""

    batch_id: int
    kind: int


@dataclass(frozen=True)
class SignedKind(Generic[M]):
    """One kind of signed batch: its members' table, their leaves, and what its manifest lists."""

    kind: BatchKind
    table: type[M]
    leaf_encoding: tuple[str, ...]
    manifest_version: str
    listed_as: str  # the manifest's key for its entries: "revocations", "reviews"
    intent: str  # the transaction intent's prefix, named with the registry and the root
    leaf_of: Callable[[Session, M, int, str], tuple[Any, ...]]  # (session, member, chain id, registry) -> values
    entry_of: Callable[[Session, M], dict[str, Any]]  # what the manifest lists of a member

    def members(self, session: Session, batch_id: int) -> list[M]:
        """The members of batch `batch_id`, in leaf order."""
        table: Any = self.table
        return list(session.exec(select(table).where(table.batch_id == batch_id).order_by(col(table.id))))

    def tree(self, session: Session, members: list[M], *, chain_id: int, registry: str) -> StandardMerkleTree:
        """The Merkle tree over `members`, as anchored."""
        leaves = [self.leaf_of(session, member, chain_id, registry) for member in members]
        return StandardMerkleTree.of(leaves, leaf_encoding=self.leaf_encoding)

    def manifest(self, session: Session, batch: AnchorBatch, members: list[M], *, tree: StandardMerkleTree) -> bytes:
        """The batch manifest pinned to storage: every signed member, and the tree to prove leaves."""
        manifest = {
            "version": self.manifest_version, "kind": int(self.kind), "chainId": batch.chain_id,
            "registry": batch.registry_address, "root": tree.root, "count": len(members),
            "leafEncoding": list(self.leaf_encoding), self.listed_as: [self.entry_of(session, m) for m in members],
            "tree": tree.dump(),
        }  # fmt: skip
        return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def anchor_signed(
    kind: SignedKind[M], *, sender: TxSender, deployment: Deployment, storage: Storage, max_batch: int = MAX_BATCH
) -> AnchorBatch | None:
    """Finish the open batch of `kind`, or build one from its waiting members and anchor it; None when none wait."""
    batch_id = _open_batch_id(kind) or _build_batch(kind, deployment, max_batch=max_batch)
    if batch_id is None:
        return None
    _pin_manifest(kind, batch_id, storage=storage)
    tx_hash, block_number = _send_anchor(kind, batch_id, sender=sender, deployment=deployment)
    return _mark_anchored(batch_id, tx_hash=tx_hash, block_number=block_number)


def anchor_signed_with_settings(kind: SignedKind[M], settings: Settings) -> AnchorBatch | None:
    """`anchor_signed` on the configured chain, deployment, anchorer key and storage."""
    deployment = configured_deployment(settings)
    if deployment is None:
        return None
    with rpc_errors(settings.effective_chain_rpc_url):
        sender = sender_for(settings, KeyRole.ANCHORER)
        return anchor_signed(kind, sender=sender, deployment=deployment, storage=storage_from_settings(settings))


def _open_batch_id(kind: SignedKind[M]) -> int | None:
    with session_scope() as session:
        still_open = (AnchorBatch.status == BatchStatus.BUILT) & (AnchorBatch.kind == kind.kind)
        return session.exec(select(AnchorBatch.id).where(still_open)).first()


def _build_batch(kind: SignedKind[M], deployment: Deployment, *, max_batch: int) -> int | None:
    registry = deployment.contracts["provenanceRegistry"].address
    table: Any = kind.table
    with session_scope() as session:
        waiting = select(table).where(col(table.batch_id).is_(None)).order_by(col(table.id))
        # Locked as read, as claims are (`chain.anchoring`): two builders never give one member to two batches.
        members: list[M] = list(session.exec(waiting.limit(max_batch).with_for_update()))
        if not members:
            return None
        tree = kind.tree(session, members, chain_id=deployment.chain_id, registry=registry)
        batch = AnchorBatch(
            kind=kind.kind, root=tree.root, count=len(members), chain_id=deployment.chain_id, registry_address=registry
        )
        session.add(batch)
        session.flush()
        for index, member in enumerate(members):
            member.batch_id, member.leaf = batch.id, tree.leaf_hash(index)
            session.add(member)
        return batch.id


def _pin_manifest(kind: SignedKind[M], batch_id: int, *, storage: Storage) -> None:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        if batch.manifest_cid is not None:
            return
        members = kind.members(session, batch_id)
        tree = kind.tree(session, members, chain_id=batch.chain_id, registry=batch.registry_address)
        assert tree.root == batch.root, "a batch's members changed after its root was fixed"
        batch.manifest_cid = storage.add(io.BytesIO(kind.manifest(session, batch, members, tree=tree))).cid
        session.add(batch)


def _send_anchor(kind: SignedKind[M], batch_id: int, *, sender: TxSender, deployment: Deployment) -> tuple[str, int]:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        root, count, manifest_cid = batch.root, batch.count, batch.manifest_cid
    registry = deployment.bind(sender.web3, "provenanceRegistry")
    manifest = parse_cid(str(manifest_cid))
    call = call_of(
        registry, "anchorKind", int(kind.kind), bytes.fromhex(root[2:]), count, manifest.codec, manifest.digest
    )
    tx = sender.send(f"{kind.intent}:{registry.address}:{root}", call)
    return str(tx.tx_hash), int(tx.block_number or 0)


def _mark_anchored(batch_id: int, *, tx_hash: str, block_number: int) -> AnchorBatch:
    with session_scope() as session:
        batch = session.get_one(AnchorBatch, batch_id)
        batch.status, batch.tx_hash, batch.block_number = BatchStatus.ANCHORED, tx_hash, block_number
        batch.anchored_at = utcnow()
        session.add(batch)
        return batch


def anchoring_of(session: Session, kind: SignedKind[M], member: M, *, named: str) -> BatchAnchoring:
    """The leaf, proof, root and anchoring transaction of `member` (`named` in messages, e.g. "the revocation of
    contribution 7"); NotAnchoredYet until its batch is on-chain."""
    batch = session.get(AnchorBatch, member.batch_id) if member.batch_id is not None else None
    anchored = batch is not None and batch.status == BatchStatus.ANCHORED and batch.kind == kind.kind
    if batch is None or not anchored or batch.id is None:
        raise NotAnchoredYet(f"{named} is not anchored yet")
    members = kind.members(session, batch.id)
    index = [other.id for other in members].index(member.id)
    root, proof = proof_from_leaves([str(other.leaf) for other in members], index)
    if root != batch.root:
        raise BatchLeavesChanged(f"batch {batch.id}'s stored leaves no longer give its anchored root")
    return BatchAnchoring(
        batch_id=batch.id, kind=int(kind.kind), leaf=str(member.leaf), proof=proof, root=batch.root,
        batch_cid=str(batch.manifest_cid), tx_hash=str(batch.tx_hash), block_number=int(batch.block_number or 0),
        chain_id=batch.chain_id, registry=batch.registry_address,
    )  # fmt: skip


def anchoring_or_none(session: Session, kind: SignedKind[M], member: M, *, named: str) -> BatchAnchoring | None:
    """`anchoring_of`, or None while the batch waits (or, logged for the operator, no longer proves the member:
    a list still answers, and a check against the chain refuses it)."""
    try:
        return anchoring_of(session, kind, member, named=named)
    except NotAnchoredYet:
        return None
    except BatchLeavesChanged:
        log.exception("%s: its batch no longer proves it", named)
        return None
