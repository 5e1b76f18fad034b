"""`GET /tombstones`: every contribution its contributor withdrew, with the signed revocation."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas.fields import Offset
from api.schemas.pages import Page
from api.schemas.tombstones import TombstonePublic
from polyphony.contributions import service

router = APIRouter(tags=["contributions"])


@router.get("/tombstones", response_model=Page[TombstonePublic])
def list_tombstones(
    session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Page[TombstonePublic]:
    """Withdrawn contributions, newest first: manifests and pulls leave these out."""
    page, total = service.list_tombstones(session, offset=offset, limit=limit)
    items = [TombstonePublic.model_validate(tombstone, from_attributes=True) for tombstone in page]
    return Page.of(items, total=total, offset=offset, limit=limit)
