"""`GET /config`: the deployment as a browser needs it (chain, public RPC URL, contracts, token, EIP-712 domains)."""

from typing import Any

from fastapi import APIRouter

from api.deps import DeploymentDep, SettingsDep, Web3Dep
from api.schemas.config import ConfigPublic
from api.schemas.errors import ErrorPublic
from chain.public_config import public_config

router = APIRouter(tags=["operations"])

_ERRORS: dict[int | str, dict[str, Any]] = {503: {"model": ErrorPublic}}


@router.get("/config", response_model=ConfigPublic, responses=_ERRORS)
def get_config(settings: SettingsDep, web3: Web3Dep, deployment: DeploymentDep) -> ConfigPublic:
    """Public, needs no sign-in; 503 until the contracts are deployed. Never shows the operator's CHAIN_RPC_URL."""
    return ConfigPublic.of(public_config(settings, web3=web3, deployment=deployment))
