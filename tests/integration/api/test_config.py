"""`GET /config` against the deployed contracts on anvil: what a browser wallet needs, and nothing private."""

from fastapi.testclient import TestClient
from web3 import Web3

from api.main import create_app
from chain.bindings import Deployment
from chain.client import connect
from cli.client import PolyphonyClient
from polyphony.settings import Settings
from tests.support.contributor_flows import upload


def test_the_config_names_the_chain_contracts_token_and_the_domains_wallets_sign_under(
    settings: Settings, deployment: Deployment, contributor: PolyphonyClient
) -> None:
    with TestClient(create_app(), base_url=settings.effective_public_url) as api:
        config = api.get("/config").json()

    assert config["chain_id"] == deployment.chain_id
    assert config["contracts"] == {
        name: {"address": contract.address, "block": contract.block} for name, contract in deployment.contracts.items()
    }
    assert config["token"] == {"address": deployment.contracts["token"].address, "symbol": "PLY", "decimals": 18}
    assert config["api_url"] == settings.effective_public_url
    # The embedded chain's URL is the public one by default, and a browser can read the same chain through it.
    assert config["rpc_url"] == settings.effective_chain_rpc_url
    assert connect(config["rpc_url"]).eth.chain_id == deployment.chain_id

    domains = config["eip712_domains"]

    def at(name: str) -> str:
        return Web3.to_checksum_address(deployment.contracts[name].address)

    assert {name: (d["name"], d["version"], d["chainId"], d["verifyingContract"]) for name, d in domains.items()} == {
        "provenance": ("Polyphony Provenance", "1", deployment.chain_id, at("provenanceRegistry")),
        "governor": ("Polyphony Governor", "1", deployment.chain_id, at("governor")),
        "token": ("Polyphony", "1", deployment.chain_id, at("token")),
    }
    # The claim a wallet is asked to sign is under the very domain the config announces.
    stored = upload(contributor)
    assert contributor.call("GET", f"/contributions/{stored['id']}/claim")["domain"] == domains["provenance"]
    # The token's domain is what ballots and delegations would be checked against on-chain.
    token = deployment.bind(connect(settings.effective_chain_rpc_url), "token")
    assert token.functions.eip712Domain().call()[1] == domains["token"]["name"]
