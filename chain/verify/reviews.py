"""Reviews as the chain has them: every review batch (kind 2) the provenance registry anchored, read and checked.

Each `KindBatchAnchored` event of the review kind names a root and a manifest CID; the manifest's bytes must hash
to that CID, the registry must hold the root as kind 2 (`batchKind`), and the reviews the manifest lists must
hash to the root. What passes is the chain's set of reviews, each with the root that anchors it and when: only
the reviews signed by their reviewer (a key, or a contract wallet asked on the node), so a review whose
signature does not check is in no batch, as far as anyone verifying is concerned. A batch that does not check,
or whose manifest cannot be read, gives no leaf either (each is logged): its reviews cannot be proven, and
one such batch does not stop the others from being read.
"""

import logging
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.bindings import load_artifact
from chain.eip712 import DocumentReview, digest, provenance_domain, typed_data
from chain.merkle import StandardMerkleTree
from chain.review_anchoring import REVIEW_LEAF_ENCODING
from chain.signatures import check_signature
from chain.verify.manifests import anchored_manifest
from polyphony.errors import Conflict, Unavailable
from polyphony.models.contribution import BatchKind
from polyphony.storage.base import BlobReader
from polyphony.storage.errors import BlobNotFound

log = logging.getLogger(__name__)


class ReviewsTampered(Conflict):
    code = "reviews_tampered"


@dataclass(frozen=True)
class AnchoredReview:
    """A signed review as a batch anchored on-chain holds it, and when that batch's block was mined."""

    leaf: str  # lower-case hex
    root: str
    reviewer: str
    sample_id: int
    accept: bool
    anchored_at: int  # the anchoring block's timestamp: the review was made no later


def chain_reviews(web3: Web3, *, registry: str, blobs: BlobReader, from_block: int = 0) -> dict[str, AnchoredReview]:
    """Every signed review anchored on-chain at `registry`, by its leaf (lower-case hex), each batch checked."""
    contract = web3.eth.contract(
        address=Web3.to_checksum_address(registry), abi=load_artifact("ProvenanceRegistry").abi
    )
    events = contract.events.KindBatchAnchored().get_logs(
        from_block=from_block, argument_filters={"kind": int(BatchKind.REVIEWS)}
    )
    found: dict[str, AnchoredReview] = {}
    for event in events:
        root = "0x" + bytes(event["args"]["root"]).hex()
        try:
            if int(contract.functions.batchKind(bytes(event["args"]["root"])).call()) != int(BatchKind.REVIEWS):
                raise ReviewsTampered(
                    f"review batch {root}: the registry does not hold it as kind {int(BatchKind.REVIEWS)}"
                )
            manifest = anchored_manifest(
                event["args"], batch=f"review batch {root}", blobs=blobs, tampered=ReviewsTampered
            )
            tree, signed = _checked_tree(manifest, web3, root=root)
        except (ReviewsTampered, BlobNotFound, Unavailable) as unproven:
            log.warning("review batch %s proves no review: %s", root, unproven.message)
            continue
        anchored_at = int(web3.eth.get_block(event["blockNumber"])["timestamp"])
        for value, accept in signed:
            leaf = tree.leaf_hash(value).lower()
            found[leaf] = AnchoredReview(leaf, root, value[0], value[1], accept, anchored_at)
    return found


def _checked_tree(
    manifest: dict[str, Any], web3: Web3, *, root: str
) -> tuple[StandardMerkleTree, list[tuple[tuple[str, int, str], bool]]]:
    """The batch's tree rebuilt from the reviews its manifest lists, and the leaf values of those signed, each
    with whether it accepts."""
    domain = provenance_domain(int(manifest["chainId"]), registry=str(manifest["registry"]))
    values: list[tuple[str, int, str]] = []
    signed: list[tuple[tuple[str, int, str], bool]] = []
    for entry in manifest["reviews"]:
        review = DocumentReview(
            reviewer=entry["reviewer"], sample_id=int(entry["sample"]), contribution_cid=str(entry["cid"] or ""),
            record=int(entry["record"]), accept=bool(entry["accept"]), reason=str(entry["reason"]),
            deadline=int(entry["deadline"]),
        )  # fmt: skip
        review_digest = digest(typed_data(domain, message=review))
        value = (entry["reviewer"], int(entry["sample"]), "0x" + review_digest.hex())
        values.append(value)
        if _signed_by(web3, entry["reviewer"], review_digest, str(entry["signature"])):
            signed.append((value, review.accept))
    tree = StandardMerkleTree.of(values, leaf_encoding=REVIEW_LEAF_ENCODING)
    if tree.root != root:
        raise ReviewsTampered(f"review batch {root}: the reviews its manifest lists do not hash to the anchored root")
    return tree, signed


def _signed_by(web3: Web3, reviewer: str, review_digest: bytes, signature: str) -> bool:
    try:
        return check_signature(
            web3, signer=reviewer, digest=review_digest, signature=bytes.fromhex(signature[2:])
        ).valid
    except ValueError:  # not hex, or not a signature's length
        return False
