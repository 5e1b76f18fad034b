"""`GET /licenses`: the SPDX license ids an upload accepts, searchable, for a form's license field."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.schemas.fields import Offset
from api.schemas.licenses import LicensePublic
from api.schemas.pages import Page
from polyphony.contributions.licenses import search_licenses

router = APIRouter(tags=["contributions"])


@router.get("/licenses", response_model=Page[LicensePublic])
def list_licenses(
    q: Annotated[str, Query(max_length=100, description="Part of the id, any case (`cc-by`)")] = "",
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Page[LicensePublic]:
    """The SPDX ids an upload accepts (current ones, no expressions), those starting with `q` first."""
    found, total = search_licenses(q, offset=offset, limit=limit)
    return Page.of([LicensePublic(id=entry.id, category=entry.category) for entry in found], total=total,
                   offset=offset, limit=limit)  # fmt: skip
