"""Withdrawals as the chain has them: every revocation batch the provenance registry anchored, read and checked.

A trainer needs no API to know what was withdrawn: each `KindBatchAnchored` event of the revocation kind names
a root and a manifest CID; the manifest's bytes must hash to that CID, its tree must rebuild the root, and each
revocation in it must be signed by the contributor (a key, or a contract wallet asked on the node) and hash to
its leaf. What passes is the chain's list of withdrawn contributions.
"""

from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.bindings import load_artifact
from chain.eip712 import Revocation, digest, provenance_domain, typed_data
from chain.merkle import StandardMerkleTree
from chain.revocation_anchoring import REVOCATION_LEAF_ENCODING
from chain.signatures import check_signature
from chain.verify.manifests import anchored_manifest
from polyphony.errors import Conflict
from polyphony.models.contribution import BatchKind
from polyphony.storage.base import BlobReader


class WithdrawalsTampered(Conflict):
    code = "withdrawals_tampered"


@dataclass(frozen=True)
class ChainWithdrawal:
    """One contribution withdrawn on-chain: its id, contributor, and the batch and transaction that anchor it."""

    contribution_id: int
    contributor: str
    root: str
    tx_hash: str
    block_number: int


def chain_withdrawals(
    web3: Web3, *, registry: str, blobs: BlobReader, from_block: int = 0
) -> dict[int, ChainWithdrawal]:
    """Every contribution withdrawn on-chain at `registry`, each revocation batch checked; by contribution id."""
    contract = web3.eth.contract(
        address=Web3.to_checksum_address(registry), abi=load_artifact("ProvenanceRegistry").abi
    )
    events = contract.events.KindBatchAnchored().get_logs(
        from_block=from_block, argument_filters={"kind": int(BatchKind.REVOCATIONS)}
    )
    withdrawn: dict[int, ChainWithdrawal] = {}
    for event in events:
        root = "0x" + bytes(event["args"]["root"]).hex()
        manifest = _checked_manifest(event["args"], root=root, blobs=blobs)
        for entry in _checked_revocations(manifest, web3, root=root):
            withdrawn[int(entry["contribution"])] = ChainWithdrawal(
                contribution_id=int(entry["contribution"]), contributor=str(entry["contributor"]), root=root,
                tx_hash="0x" + bytes(event["transactionHash"]).hex(), block_number=int(event["blockNumber"]),
            )  # fmt: skip
    return withdrawn


def _checked_manifest(args: Any, *, root: str, blobs: BlobReader) -> dict[str, Any]:
    batch = f"revocation batch {root}"
    manifest = anchored_manifest(args, batch=batch, blobs=blobs, tampered=WithdrawalsTampered)
    if StandardMerkleTree.load(manifest["tree"]).root != root:
        raise WithdrawalsTampered(f"{batch}: the manifest's tree does not rebuild the anchored root")
    return manifest


def _checked_revocations(manifest: dict[str, Any], web3: Web3, *, root: str) -> list[dict[str, Any]]:
    domain = provenance_domain(int(manifest["chainId"]), registry=str(manifest["registry"]))
    entries: list[dict[str, Any]] = manifest["revocations"]
    leaves: list[tuple[str, int, str]] = []
    for entry in entries:
        revocation = Revocation(
            contributor=entry["contributor"], contribution_cid=entry["cid"] or "", nonce=int(entry["nonce"]),
            deadline=int(entry["deadline"]),
        )  # fmt: skip
        revocation_digest = digest(typed_data(domain, message=revocation))
        signature = bytes.fromhex(str(entry["signature"])[2:])
        signed = check_signature(web3, signer=entry["contributor"], digest=revocation_digest, signature=signature)
        if not signed.valid or int(entry["nonce"]) != int(entry["contribution"]):
            raise WithdrawalsTampered(
                f"revocation batch {root}: contribution {entry['contribution']}'s revocation is not signed by "
                f"{entry['contributor']}"
            )
        leaves.append((entry["contributor"], int(entry["contribution"]), "0x" + revocation_digest.hex()))
    if StandardMerkleTree.of(leaves, leaf_encoding=REVOCATION_LEAF_ENCODING).root != root:
        raise WithdrawalsTampered(f"revocation batch {root}: the signed revocations do not hash to the anchored root")
    return entries
