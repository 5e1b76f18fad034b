"""What a browser needs to know of this deployment to act on its own (`GET /config`): the chain, where to read
it, the contracts, the token, and the EIP-712 domains its wallet signs under.

Nothing here is secret. The operator's `CHAIN_RPC_URL` is never part of it (it may carry an API key or point at
a private node): the browser is told `POLYPHONY_PUBLIC_RPC_URL`, or the embedded anvil's loopback URL, or
nothing, and then reads the chain through its wallet. The governor's and token's domains are read from the
contracts themselves (ERC-5267), once per process, so they are the ones the contracts check.
"""

from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.bindings import Deployment
from chain.eip712 import Domain, domain_of, provenance_domain
from polyphony.settings import Settings
from polyphony.tokens import DECIMALS, SYMBOL


@dataclass(frozen=True)
class PublicConfig:
    """The deployment as a browser meets it."""

    chain_id: int
    rpc_url: str | None
    api_url: str
    contracts: dict[str, dict[str, Any]]  # the deployment file's names -> {"address", "block"}
    token_symbol: str
    token_decimals: int
    domains: dict[str, Domain]  # provenance (claims, revocations), governor (ballots), token (delegations, permits)


def public_config(settings: Settings, *, web3: Web3, deployment: Deployment) -> PublicConfig:
    """This deployment's public configuration."""
    contracts = {name: {"address": c.address, "block": c.block} for name, c in sorted(deployment.contracts.items())}
    return PublicConfig(
        chain_id=deployment.chain_id, rpc_url=settings.public_rpc_url, api_url=settings.effective_public_url,
        contracts=contracts, token_symbol=SYMBOL, token_decimals=DECIMALS,
        domains={
            "provenance": provenance_domain(
                deployment.chain_id, registry=deployment.contracts["provenanceRegistry"].address
            ),
            "governor": _contract_domain(web3, deployment, "governor"),
            "token": _contract_domain(web3, deployment, "token"),
        },
    )  # fmt: skip


# A contract's domain never changes under a running process: read once per (chain id, address).
_DOMAINS: dict[tuple[int, str], Domain] = {}


def _contract_domain(web3: Web3, deployment: Deployment, name: str) -> Domain:
    key = (deployment.chain_id, deployment.contracts[name].address)
    if key not in _DOMAINS:
        _DOMAINS[key] = domain_of(deployment.bind(web3, name))
    return _DOMAINS[key]
