"""Response models of `GET /tombstones`: withdrawn contributions with their signed revocations."""

from datetime import datetime

from pydantic import BaseModel


class TombstonePublic(BaseModel):
    contribution_id: int
    cid: str | None
    contributor: str
    signature: str
    deadline: int
    revoked_at: datetime
