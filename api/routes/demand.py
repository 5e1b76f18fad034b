"""`GET /demand`: what data the DAO voted to want more of, the topics an upload may declare, review parameters."""

from typing import Any

from fastapi import APIRouter

from api.deps import DeploymentDep, Web3Dep
from api.schemas.demand import DemandPublic
from api.schemas.errors import ErrorPublic
from chain.demand import demand_now

router = APIRouter(tags=["governance"])

_ERRORS: dict[int | str, dict[str, Any]] = {503: {"model": ErrorPublic}}


@router.get("/demand", response_model=DemandPublic, responses=_ERRORS)
def get_demand(web3: Web3Dep, deployment: DeploymentDep) -> DemandPublic:
    """The demand registry at the newest block: every multiplier (in force now or not), topics, review, bounds.

    Change it with a proposal (`POST /proposals/demand`, `polyphony demand propose`, or Tally).
    """
    return DemandPublic.of(demand_now(web3, deployment))
