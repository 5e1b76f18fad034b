"""Anchor revocations: batches of kind 1 of the tombstones (chain.signed_batches), so a trainer can check a
withdrawal against the provenance registry without trusting our `/tombstones` answer.

A revocation leaf is (contributor, contribution id, revocation digest): the digest binds the CID, nonce and
deadline the contributor signed, and the manifest carries every signature.
"""

from typing import Any

from sqlmodel import Session

from chain.bindings import Deployment
from chain.eip712 import Revocation, digest, provenance_domain, typed_data
from chain.signed_batches import (
    BatchAnchoring,
    SignedKind,
    anchor_signed,
    anchor_signed_with_settings,
    anchoring_of,
    anchoring_or_none,
)
from chain.tx import TxSender
from polyphony.contributions import service
from polyphony.models.contribution import AnchorBatch, BatchKind, Tombstone
from polyphony.settings import Settings
from polyphony.storage.base import Storage

REVOCATION_LEAF_ENCODING = ("address", "uint256", "bytes32")
REVOCATION_MANIFEST_VERSION = "polyphony-revocation-manifest/1"
RevocationAnchoring = BatchAnchoring  # what /tombstones lists of each anchored revocation


def revocation_leaf(tombstone: Tombstone, *, chain_id: int, registry: str) -> tuple[str, int, str]:
    """The Merkle leaf values of `tombstone`: contributor, contribution id, digest of the signed revocation."""
    revocation = Revocation(
        contributor=tombstone.contributor, contribution_cid=tombstone.cid or "", nonce=tombstone.contribution_id,
        deadline=tombstone.deadline,
    )  # fmt: skip
    revocation_digest = digest(typed_data(provenance_domain(chain_id, registry=registry), message=revocation))
    return tombstone.contributor, tombstone.contribution_id, "0x" + revocation_digest.hex()


def _manifest_entry(_session: Session, member: Tombstone) -> dict[str, Any]:
    return {
        "contribution": member.contribution_id, "contributor": member.contributor, "cid": member.cid,
        "nonce": member.contribution_id, "deadline": member.deadline, "signature": member.signature,
    }  # fmt: skip


REVOCATIONS: SignedKind[Tombstone] = SignedKind(
    kind=BatchKind.REVOCATIONS, table=Tombstone, leaf_encoding=REVOCATION_LEAF_ENCODING,
    manifest_version=REVOCATION_MANIFEST_VERSION, listed_as="revocations", intent="anchor-revocations",
    leaf_of=lambda _session, member, chain_id, registry: revocation_leaf(member, chain_id=chain_id, registry=registry),
    entry_of=_manifest_entry,
)  # fmt: skip


def anchor_revocations(*, sender: TxSender, deployment: Deployment, storage: Storage) -> AnchorBatch | None:
    """Finish the open revocation batch, or build one from waiting tombstones and anchor it; None when none wait."""
    return anchor_signed(REVOCATIONS, sender=sender, deployment=deployment, storage=storage)


def revocation_anchoring(session: Session, tombstone: Tombstone) -> RevocationAnchoring:
    """The leaf, proof, root and anchoring transaction of `tombstone`; NotAnchoredYet until its batch is on-chain."""
    return anchoring_of(session, REVOCATIONS, tombstone, named=_named(tombstone))


def _named(tombstone: Tombstone) -> str:
    return f"the revocation of contribution {tombstone.contribution_id}"


def listed_with_anchoring(
    session: Session, *, offset: int, limit: int
) -> tuple[list[tuple[Tombstone, RevocationAnchoring | None]], int]:
    """One page of tombstones, newest first, each with its anchoring (None while its batch waits), and the total."""
    page, total = service.list_tombstones(session, offset=offset, limit=limit)
    anchored = [(tombstone, anchoring_or_none(session, REVOCATIONS, tombstone, named=_named(tombstone)))
                for tombstone in page]  # fmt: skip
    return anchored, total


def anchor_revocations_with_settings(settings: Settings) -> AnchorBatch | None:
    """`anchor_revocations` on the configured chain, deployment, anchorer key and storage."""
    return anchor_signed_with_settings(REVOCATIONS, settings)
