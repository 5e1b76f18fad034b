"""Response models of `GET /tombstones`: withdrawn contributions with their signed revocations and anchoring."""

from datetime import datetime

from pydantic import BaseModel

from api.schemas.anchoring import BatchAnchoringPublic
from chain.revocation_anchoring import RevocationAnchoring
from polyphony.models.contribution import Tombstone


class TombstonePublic(BaseModel):
    contribution_id: int
    cid: str | None
    contributor: str
    signature: str
    deadline: int
    revoked_at: datetime
    anchoring: BatchAnchoringPublic | None = None  # null until the revocation's batch is on-chain

    @classmethod
    def of(cls, tombstone: Tombstone, anchoring: RevocationAnchoring | None) -> "TombstonePublic":
        """The tombstone as listed, with its anchoring if it has one."""
        public = cls.model_validate(tombstone, from_attributes=True)
        if anchoring is not None:
            public.anchoring = BatchAnchoringPublic.model_validate(anchoring, from_attributes=True)
        return public
