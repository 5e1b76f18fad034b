"""Check a contribution's provenance from public data only: the manifest and bytes on storage, and the chain.

The API's answer says where to look (the contribution's CID, the batch manifest's CID, the root); every
claim it makes is then checked against the stored bytes and the provenance registry, so a wrong or lying
database is caught.
"""

import io
import json
from collections.abc import Callable
from typing import Any, cast

from web3 import Web3

from chain.bindings import load_artifact
from chain.eip712 import ContributionClaim, digest, provenance_domain, typed_data
from chain.merkle import StandardMerkleTree
from chain.provenance import LEAF_ENCODING, Provenance, anchored_manifest_cid
from chain.signatures import check_signature
from chain.verify.checks import Check, CheckStep, require, run_checks
from polyphony.storage.base import BlobReader
from polyphony.storage.unixfs import blob_of, cid_of


def verify_provenance(contribution_id: int, provenance: Provenance, *, web3: Web3, blobs: BlobReader) -> list[Check]:
    """Every check of `contribution_id`'s provenance, in order; the run stops at the first that fails."""

    def steps(check: CheckStep) -> None:
        manifest = _load_manifest(provenance, blobs, check)
        entry = _entry_of(manifest, contribution_id, check)
        _check_claim_and_leaf(entry, manifest, provenance, web3, check)
        _check_chain(provenance, web3, check)
        _check_content(entry, blobs, check)

    return run_checks(steps)


def _load_manifest(provenance: Provenance, blobs: BlobReader, check: Callable[..., None]) -> dict[str, Any]:
    raw = b"".join(blobs.cat(provenance.batch_cid))

    def manifest_bytes_match_cid() -> str:
        require(cid_of(raw) == provenance.batch_cid, "the manifest's bytes do not hash to its CID")
        return f"{len(raw):,} bytes hash to {provenance.batch_cid}"

    check("manifest bytes match their CID", manifest_bytes_match_cid)
    manifest = cast(dict[str, Any], json.loads(raw))

    def manifest_tree_has_root() -> str:
        tree = StandardMerkleTree.load(manifest["tree"])
        require(tree.root == manifest["root"] == provenance.root, f"manifest root {tree.root} is not {provenance.root}")
        return f"the manifest's tree rebuilds root {tree.root}"

    check("manifest tree rebuilds the root", manifest_tree_has_root)
    return manifest


def _entry_of(manifest: dict[str, Any], contribution_id: int, check: Callable[..., None]) -> dict[str, Any]:
    entries = [claim for claim in manifest["claims"] if claim["contribution"] == contribution_id]

    def listed() -> str:
        require(len(entries) == 1, f"contribution {contribution_id} is not in the batch manifest")
        return f"contribution {contribution_id} is listed, CID {entries[0]['cid']}"

    check("contribution listed in the manifest", listed)
    return cast(dict[str, Any], entries[0])


def _check_claim_and_leaf(
    entry: dict[str, Any], manifest: dict[str, Any], provenance: Provenance, web3: Web3, check: Callable[..., None]
) -> None:
    claim = ContributionClaim(
        contributor=entry["contributor"], content_sha256=bytes.fromhex(entry["sha256"]), cid=entry["cid"],
        license=entry["license"], consent_hash=bytes.fromhex(entry["consentSha256"]), nonce=entry["nonce"],
        deadline=entry["deadline"],
    )  # fmt: skip
    typed = typed_data(provenance_domain(manifest["chainId"], registry=manifest["registry"]), message=claim)

    def signed_by_contributor() -> str:
        # A contract wallet (a Safe) is asked on the node given, as it stands now: its owners may have changed.
        signature = bytes.fromhex(entry["signature"][2:])
        signed = check_signature(web3, signer=entry["contributor"], digest=digest(typed), signature=signature)
        require(signed.valid, f"the claim is not the contributor {entry['contributor']}'s: {signed.found}")
        return f"{signed.found} ({entry['license']})"

    def leaf_proven() -> str:
        values = (entry["contributor"], "0x" + entry["sha256"], "0x" + digest(typed).hex())
        tree = StandardMerkleTree.of([values], leaf_encoding=LEAF_ENCODING)
        require(tree.leaf_hash(0) == provenance.leaf, "the claim does not hash to the leaf")
        proven = StandardMerkleTree.load(manifest["tree"]).verify(values, provenance.proof)
        require(proven, "the proof does not lead from the leaf to the root")
        return f"leaf {provenance.leaf} proven in {len(provenance.proof)} steps"

    check("claim signed by the contributor", signed_by_contributor)
    check("leaf and proof lead to the root", leaf_proven)


def _check_chain(provenance: Provenance, web3: Web3, check: Callable[..., None]) -> None:
    registry = web3.eth.contract(
        address=Web3.to_checksum_address(provenance.registry), abi=load_artifact("ProvenanceRegistry").abi
    )

    def anchored_on_chain() -> str:
        require(web3.eth.chain_id == provenance.chain_id, f"the node is on chain {web3.eth.chain_id}")
        block = registry.functions.batchBlock(bytes.fromhex(provenance.root[2:])).call()
        require(block != 0, "the registry has no such root")
        events = registry.events.BatchAnchored().get_logs(
            from_block=block, to_block=block, argument_filters={"root": bytes.fromhex(provenance.root[2:])}
        )
        require(
            any(anchored_manifest_cid(e["args"]) == provenance.batch_cid for e in events),
            "no anchor event names the manifest",
        )
        return f"root anchored in block {block} on chain {provenance.chain_id} with this manifest"

    check("root anchored on-chain", anchored_on_chain)


def _check_content(entry: dict[str, Any], blobs: BlobReader, check: Callable[..., None]) -> None:
    def content_matches() -> str:
        stream = io.BufferedReader(_CatStream(blobs, entry["cid"]), buffer_size=1 << 20)
        blob = blob_of(stream)
        require(blob.cid == entry["cid"], f"the stored bytes hash to {blob.cid}")
        require(blob.sha256 == entry["sha256"], "the stored bytes' sha256 differs from the claim's")
        return f"{blob.size:,} bytes, sha256 {blob.sha256[:16]}…, CID {blob.cid}"

    check("stored bytes match the claim", content_matches)


class _CatStream(io.RawIOBase):
    """A read-only file over `blobs.cat(cid)`, so the content is hashed as it streams."""

    def __init__(self, blobs: BlobReader, cid: str) -> None:
        self._pieces = blobs.cat(cid)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            self._rest = next(self._pieces, b"")
            if not self._rest:
                return 0
        count = min(len(buffer), len(self._rest))
        buffer[:count], self._rest = self._rest[:count], self._rest[count:]
        return count
