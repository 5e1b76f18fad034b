"""Rewards: what an address can claim (with its proof), and claims the backend relays without gas."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import DeploymentDep, RelayAdmission, SessionDep, Web3Dep
from api.schemas.errors import ErrorPublic
from api.schemas.fields import Offset, PathId
from api.schemas.pages import Page
from api.schemas.rewards import ClaimPublic, ClaimRequest, EpochEarningPublic, RewardPublic
from governance.rewards import claims
from governance.rewards.history import history_of

router = APIRouter(prefix="/rewards", tags=["rewards"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (400, 404, 409, 429, 503)}


@router.get("/{address}", response_model=RewardPublic, responses=_ERRORS)
def get_reward(address: str, session: SessionDep, web3: Web3Dep, deployment: DeploymentDep) -> RewardPublic:
    """What `address` earned, claimed and can claim, with the proof; an address never paid gets zeros."""
    return RewardPublic(**claims.status_of(session, address, web3=web3, deployment=deployment).to_json())


@router.get("/{address}/history", response_model=Page[EpochEarningPublic], responses=_ERRORS)
def get_reward_history(
    address: str, session: SessionDep, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[EpochEarningPublic]:
    """What each closed epoch allocated to `address`, newest first: one entry per epoch that scored its work."""
    earnings, total = history_of(session, address, offset=offset, limit=limit)
    return Page.of([EpochEarningPublic.of(e) for e in earnings], total=total, offset=offset, limit=limit)


@router.post("/claims", status_code=202, response_model=ClaimPublic, responses=_ERRORS)
def post_claim(
    body: ClaimRequest, session: SessionDep, web3: Web3Dep, deployment: DeploymentDep, admit: RelayAdmission
) -> ClaimPublic:
    """Relay the account's claim: the relayer key pays the gas, the tokens go to the account. 409 if nothing;
    429 past the relayer's quotas or spending cap."""
    claim = claims.request_claim(session, body.account, web3=web3, deployment=deployment)
    admit(action="claims", address=claim.account)
    return ClaimPublic.of(claim)


@router.get("/claims/{claim_id}", response_model=ClaimPublic, responses=_ERRORS)
def get_claim(claim_id: PathId, session: SessionDep) -> ClaimPublic:
    """A relayed claim: queued, then mined (with its transaction) or refused (with why)."""
    return ClaimPublic.of(claims.get_claim(session, claim_id))
