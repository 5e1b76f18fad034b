"""Response models of `GET /tombstones`: withdrawn contributions with their signed revocations and anchoring."""

from datetime import datetime

from pydantic import BaseModel

from chain.revocation_anchoring import RevocationAnchoring
from polyphony.models.contribution import Tombstone


class RevocationAnchoringPublic(BaseModel):
    """Where the revocation is anchored: a batch of kind 1 (revocations) on the provenance registry."""

    kind: int
    batch_id: int
    leaf: str
    proof: list[str]
    root: str
    batch_cid: str
    tx_hash: str
    block_number: int
    chain_id: int
    registry: str


class TombstonePublic(BaseModel):
    contribution_id: int
    cid: str | None
    contributor: str
    signature: str
    deadline: int
    revoked_at: datetime
    anchoring: RevocationAnchoringPublic | None = None  # null until the revocation's batch is on-chain

    @classmethod
    def of(cls, tombstone: Tombstone, anchoring: RevocationAnchoring | None) -> "TombstonePublic":
        """The tombstone as listed, with its anchoring if it has one."""
        public = cls.model_validate(tombstone, from_attributes=True)
        if anchoring is not None:
            public.anchoring = RevocationAnchoringPublic.model_validate(anchoring, from_attributes=True)
        return public
