"""Response model of `GET /config`: what the web app (or any browser client) needs to act on its own."""

from typing import Any

from pydantic import BaseModel, Field

from chain.public_config import PublicConfig


class ContractPublic(BaseModel):
    address: str
    block: int = Field(description="The block it was deployed in: where to start reading its events")


class TokenPublic(BaseModel):
    address: str
    symbol: str
    decimals: int


class ConfigPublic(BaseModel):
    """`GET /config`: the chain, where a browser reads it, the contracts, the token and the EIP-712 domains."""

    chain_id: int
    rpc_url: str | None = Field(
        description="JSON-RPC URL a browser may read the chain at (POLYPHONY_PUBLIC_RPC_URL); null: use the wallet's"
    )
    api_url: str = Field(description="The origin of this API (POLYPHONY_PUBLIC_URL): sign-in messages name it")
    contracts: dict[str, ContractPublic] = Field(description="The deployment file's contracts, by name")
    token: TokenPublic
    eip712_domains: dict[str, dict[str, Any]] = Field(
        description="provenance (claims, revocations), governor (ballots), token (delegations, permits): each as "
        "typed data's `domain` writes it (name, version, chainId, verifyingContract)"
    )

    @classmethod
    def of(cls, config: PublicConfig) -> "ConfigPublic":
        """The public view of `config`."""
        return cls(
            chain_id=config.chain_id, rpc_url=config.rpc_url, api_url=config.api_url,
            contracts={name: ContractPublic(**contract) for name, contract in config.contracts.items()},
            token=TokenPublic(
                address=config.contracts["token"]["address"], symbol=config.token_symbol,
                decimals=config.token_decimals,
            ),
            eip712_domains={name: domain.to_json() for name, domain in config.domains.items()},
        )  # fmt: skip
