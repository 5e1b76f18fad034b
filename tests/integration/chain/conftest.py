"""A funded throw-away key on the test anvil, and a Web3 client for it."""

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from web3 import Web3

from chain.client import connect

TEN_ETHER = 10 * 10**18


@pytest.fixture(scope="session")
def web3(chain_rpc_url: str) -> Web3:
    return connect(chain_rpc_url)


@pytest.fixture
def funded_account(web3: Web3, engine: Engine) -> LocalAccount:
    """A new key with 10 ether (anvil's `anvil_setBalance`), so each test owns its nonces."""
    account: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [account.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return account
