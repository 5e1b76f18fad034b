"""Reward epochs: each one's totals, root and pinned report."""

from typing import Any

from fastapi import APIRouter

from api.deps import SessionDep
from api.schemas.epochs import EpochPublic
from api.schemas.errors import ErrorPublic
from api.schemas.fields import PathId
from governance.rewards import epochs

router = APIRouter(prefix="/epochs", tags=["rewards"])

_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic}}


@router.get("/{number}", response_model=EpochPublic, responses=_ERRORS)
def get_epoch(number: PathId, session: SessionDep) -> EpochPublic:
    """Epoch `number`: status, budget, what it allocated, the cumulative total, its root and report CID."""
    return EpochPublic(**epochs.epoch_summary(session, number))
