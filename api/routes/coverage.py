"""`GET /coverage`: the corpus by language, modality and license over time, and what the rewards favour now."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.schemas.coverage import CoveragePublic
from governance.coverage import MAX_BUCKETS, Bucketing, coverage

router = APIRouter(tags=["coverage"])


@router.get("/coverage", response_model=CoveragePublic)
def get_coverage(
    session: SessionDep,
    bucket: Annotated[Bucketing, Query(description="day: by upload day (UTC); epoch: by the epoch that paid it")] = (
        Bucketing.DAY
    ),
    buckets: Annotated[int, Query(ge=1, le=MAX_BUCKETS, description="How many recent days or epochs")] = 30,
) -> CoveragePublic:
    """The corpus now and over its last days or epochs, and the diversity bonus of each language and modality."""
    return CoveragePublic.of(coverage(session, bucketing=bucket, buckets=buckets))
