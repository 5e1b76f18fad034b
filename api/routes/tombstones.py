"""`GET /tombstones`: every contribution its contributor withdrew, with the signed revocation."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas.fields import Offset
from api.schemas.pages import Page
from api.schemas.tombstones import TombstonePublic
from chain.revocation_anchoring import listed_with_anchoring

router = APIRouter(tags=["contributions"])


@router.get("/tombstones", response_model=Page[TombstonePublic])
def list_tombstones(
    session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Page[TombstonePublic]:
    """Withdrawn contributions, newest first, each with its on-chain anchoring once its batch is anchored:
    manifests and pulls leave these out."""
    page, total = listed_with_anchoring(session, offset=offset, limit=limit)
    items = [TombstonePublic.of(tombstone, anchoring) for tombstone, anchoring in page]
    return Page.of(items, total=total, offset=offset, limit=limit)
