"""Provenance on-chain: the contributor's signed claim, batches of claims anchored as Merkle roots, proofs.

A claim is EIP-712 typed data under the provenance registry's domain; its nonce is the contribution's id and
its deadline a fixed time after the upload, so the typed data offered and the one verified are the same.
A batch leaf is (contributor, content sha256, claim digest) in OpenZeppelin's standard encoding: the digest
binds the CID, license, consent, nonce and deadline, and the manifest on storage carries every claim with its
signature, so anyone can check a leaf without trusting our database.
"""

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from web3 import Web3

from chain.bindings import Deployment
from chain.eip712 import (
    ContributionClaim,
    Domain,
    Revocation,
    TypedData,
    digest,
    provenance_domain,
    typed_data,
    verify_claim,
    verify_revocation,
)
from chain.merkle import StandardMerkleTree
from polyphony.contributions import service
from polyphony.models.contribution import AnchorBatch, Contribution, Tombstone
from polyphony.storage.cid import Cid
from polyphony.storage.errors import InvalidCid

CLAIM_WINDOW = timedelta(days=7)
REVOCATION_WINDOW = timedelta(hours=1)
LEAF_ENCODING = ("address", "bytes32", "bytes32")
MANIFEST_VERSION = "polyphony-batch-manifest/1"


def claim_domain(deployment: Deployment) -> Domain:
    """The domain every contribution claim on this deployment is signed under."""
    return provenance_domain(deployment.chain_id, registry=deployment.contracts["provenanceRegistry"].address)


def claim_message(contribution: Contribution) -> ContributionClaim:
    """What the contributor signs for `contribution`."""
    assert contribution.cid is not None and contribution.id is not None
    deadline = int((contribution.created_at + CLAIM_WINDOW).timestamp())
    return ContributionClaim(
        contributor=contribution.contributor, content_sha256=bytes.fromhex(contribution.sha256),
        cid=contribution.cid, license=contribution.license,
        consent_hash=bytes.fromhex(contribution.consent_sha256), nonce=contribution.id, deadline=deadline,
    )  # fmt: skip


def claim_typed_data(contribution: Contribution, *, deployment: Deployment) -> TypedData:
    """The JSON `eth_signTypedData_v4` takes to sign `contribution`'s claim."""
    return typed_data(claim_domain(deployment), message=claim_message(contribution))


def accept_claim(
    session: Session, contribution: Contribution, *, signature: bytes, deployment: Deployment, web3: Web3
) -> Contribution:
    """Verify the contributor's signature over the claim (a key's, or a contract wallet's on `web3`) and keep it."""
    claim = claim_message(contribution)
    verify_claim(
        claim, signature=signature, domain=claim_domain(deployment), now=int(time.time()),
        expected_nonce=claim.nonce, web3=web3,
    )  # fmt: skip
    return service.record_claim(session, contribution, signature="0x" + signature.hex(), deadline=claim.deadline)


def claim_leaf(contribution: Contribution, *, deployment: Deployment) -> tuple[str, str, str]:
    """The Merkle leaf values of `contribution`'s claim: contributor, content sha256, claim digest."""
    claim_digest = digest(claim_typed_data(contribution, deployment=deployment))
    return contribution.contributor, "0x" + contribution.sha256, "0x" + claim_digest.hex()


def batch_tree(members: list[Contribution], *, deployment: Deployment) -> StandardMerkleTree:
    """The Merkle tree over `members`' claims, as anchored."""
    return StandardMerkleTree.of(
        [claim_leaf(member, deployment=deployment) for member in members], leaf_encoding=LEAF_ENCODING
    )


def batch_manifest(batch: AnchorBatch, members: list[Contribution], *, tree: StandardMerkleTree) -> bytes:
    """The batch manifest pinned to storage: every claim with its signature, and the tree to prove leaves."""
    claims = [_manifest_entry(member) for member in members]
    manifest = {
        "version": MANIFEST_VERSION, "chainId": batch.chain_id, "registry": batch.registry_address, "root": tree.root,
        "count": len(members), "leafEncoding": list(LEAF_ENCODING), "claims": claims, "tree": tree.dump(),
    }  # fmt: skip
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def _manifest_entry(member: Contribution) -> dict[str, object]:
    claim = claim_message(member)
    return {
        "contribution": member.id, "contributor": Web3.to_checksum_address(member.contributor),
        "sha256": member.sha256, "cid": claim.cid, "license": claim.license,
        "consentSha256": member.consent_sha256, "nonce": claim.nonce, "deadline": claim.deadline,
        "signature": member.claim_signature,
    }  # fmt: skip


@dataclass(frozen=True)
class Provenance:
    """Everything needed to prove a contribution is in an anchored batch."""

    leaf: str
    proof: list[str]
    root: str
    batch_cid: str
    tx_hash: str
    block_number: int
    chain_id: int
    registry: str


def revocation_message(contribution: Contribution, *, deadline: int) -> Revocation:
    """What the contributor signs to withdraw `contribution`; its nonce is the contribution's id."""
    assert contribution.id is not None
    return Revocation(
        contributor=contribution.contributor, contribution_cid=contribution.cid or "", nonce=contribution.id,
        deadline=deadline,
    )  # fmt: skip


def revocation_typed_data(contribution: Contribution, *, deployment: Deployment) -> TypedData:
    """The typed data to sign to revoke `contribution`, valid for an hour."""
    deadline = int(time.time() + REVOCATION_WINDOW.total_seconds())
    return typed_data(claim_domain(deployment), message=revocation_message(contribution, deadline=deadline))


def accept_revocation(
    session: Session, contribution: Contribution, *, signature: bytes, deadline: int, deployment: Deployment,
    web3: Web3,
) -> Tombstone:  # fmt: skip
    """Verify the contributor's signed revocation (a key's, or a contract wallet's on `web3`) and tombstone it."""
    revocation = revocation_message(contribution, deadline=deadline)
    verify_revocation(
        revocation, signature=signature, domain=claim_domain(deployment), now=int(time.time()),
        expected_nonce=revocation.nonce, web3=web3,
    )  # fmt: skip
    return service.record_revocation(session, contribution, signature="0x" + signature.hex(), deadline=deadline)


def anchored_manifest_cid(event_args: Mapping[str, Any]) -> str | None:
    """The manifest CID a `BatchAnchored` event names (the registry takes it as codec and digest), or None."""
    try:
        return str(Cid(int(event_args["manifestCodec"]), bytes(event_args["manifestDigest"])))
    except InvalidCid:
        return None
