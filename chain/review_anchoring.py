"""Anchor reviews: batches of kind 2 of the signed document reviews (chain.signed_batches), so anyone can check
a sample's outcome, and the credibility and reviewer pay it feeds, against the provenance registry.

A review leaf is (reviewer, sample id, review digest): the digest binds the contribution CID, the record, the
verdict, the reason and the deadline the reviewer signed, and the manifest carries every signature.
"""

from typing import Any

from sqlmodel import Session

from chain.bindings import Deployment
from chain.eip712 import DocumentReview, digest, provenance_domain, typed_data
from chain.signed_batches import (
    BatchAnchoring,
    SignedKind,
    anchor_signed,
    anchor_signed_with_settings,
    anchoring_or_none,
)
from chain.tx import TxSender
from polyphony.models.contribution import AnchorBatch, BatchKind, Contribution
from polyphony.models.review import Review, ReviewSample
from polyphony.settings import Settings
from polyphony.storage.base import Storage

REVIEW_LEAF_ENCODING = ("address", "uint256", "bytes32")
REVIEW_MANIFEST_VERSION = "polyphony-review-manifest/1"


def review_message(session: Session, review: Review) -> DocumentReview:
    """The message `review`'s reviewer signed."""
    sample = session.get_one(ReviewSample, review.sample_id)
    contribution = session.get_one(Contribution, sample.contribution_id)
    return DocumentReview(
        reviewer=review.reviewer, sample_id=review.sample_id, contribution_cid=contribution.cid or "",
        record=sample.record, accept=review.accept, reason=review.reason, deadline=review.deadline,
    )  # fmt: skip


def review_leaf(session: Session, review: Review, chain_id: int, registry: str) -> tuple[str, int, str]:
    """The Merkle leaf values of `review`: reviewer, sample id, digest of the signed review."""
    signed = typed_data(provenance_domain(chain_id, registry=registry), message=review_message(session, review))
    return review.reviewer, review.sample_id, "0x" + digest(signed).hex()


def _manifest_entry(session: Session, review: Review) -> dict[str, Any]:
    message = review_message(session, review)
    return {
        "sample": review.sample_id, "reviewer": review.reviewer, "cid": message.contribution_cid,
        "record": message.record, "accept": review.accept, "reason": review.reason, "deadline": review.deadline,
        "signature": review.signature,
    }  # fmt: skip


REVIEWS: SignedKind[Review] = SignedKind(
    kind=BatchKind.REVIEWS, table=Review, leaf_encoding=REVIEW_LEAF_ENCODING, manifest_version=REVIEW_MANIFEST_VERSION,
    listed_as="reviews", intent="anchor-reviews",
    leaf_of=review_leaf,
    entry_of=_manifest_entry,
)  # fmt: skip


def anchor_reviews(*, sender: TxSender, deployment: Deployment, storage: Storage) -> AnchorBatch | None:
    """Finish the open review batch, or build one from waiting reviews and anchor it; None when none wait."""
    return anchor_signed(REVIEWS, sender=sender, deployment=deployment, storage=storage)


def review_anchoring(session: Session, review: Review) -> BatchAnchoring | None:
    """Where `review` is anchored; None while its batch waits."""
    return anchoring_or_none(session, REVIEWS, review, named=f"review {review.id}")


def anchor_reviews_with_settings(settings: Settings) -> AnchorBatch | None:
    """`anchor_reviews` on the configured chain, deployment, anchorer key and storage."""
    return anchor_signed_with_settings(REVIEWS, settings)
