"""A funded throw-away key on the test anvil, and a Web3 client for it."""

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from web3 import Web3

from chain.client import connect
from chain.contracts import Deployment
from chain.deploy import GovernanceParameters, ensure_deployed
from chain.keys import KeyRole, ensure_dev_keys
from polyphony.settings import Settings

TEN_ETHER = 10 * 10**18
# Short periods so tests move time with evm_increaseTime instead of waiting.
TEST_GOVERNANCE = GovernanceParameters(
    voting_delay_s=10, voting_period_s=100, proposal_threshold=0, quorum_percent=4,
    timelock_delay_s=20, reward_challenge_delay_s=200,
)  # fmt: skip


@pytest.fixture(scope="session")
def web3(chain_rpc_url: str) -> Web3:
    return connect(chain_rpc_url)


@pytest.fixture
def funded_account(web3: Web3, engine: Engine) -> LocalAccount:
    """A new key with 10 ether (anvil's `anvil_setBalance`), so each test owns its nonces."""
    account: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [account.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return account


@pytest.fixture(scope="session")
def operator_keys(web3: Web3, settings: Settings) -> dict[KeyRole, LocalAccount]:
    """The operator's role keys, made and funded as `polyphony up` does on the embedded chain."""
    return ensure_dev_keys(settings.keys_dir, web3)


@pytest.fixture(scope="session")
def deployment(
    web3: Web3, engine: Engine, settings: Settings, operator_keys: dict[KeyRole, LocalAccount]
) -> Deployment:
    """The contract set, deployed once per test run by `polyphony deploy`'s own code, with test parameters."""
    deployed, _ = ensure_deployed(
        web3, operator_keys, parameters=TEST_GOVERNANCE, deployments_dir=settings.deployments_dir
    )
    return deployed
