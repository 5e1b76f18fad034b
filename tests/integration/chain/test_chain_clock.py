"""The embedded chain's clock moves on its own: a step that waits on chain time happens with no transaction sent.

The suite's shared anvil mines only on transactions (its chain tests count blocks), so this test starts an
embedded anvil of its own exactly as `polyphony up` does, with a one-second block time, and deploys the
contract set on it with `polyphony deploy`'s code.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from sqlalchemy.engine import Engine
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.client import connect
from chain.deploy import GovernanceParameters, ensure_deployed
from chain.keys import ensure_dev_keys
from cli.stack import Stack, anvil_part, free_port
from polyphony.settings import Settings
from tests.integration.chain.governance_fixtures import ACTIVE, PENDING, chain_now, send_as
from tests.integration.conftest import TEN_ETHER

VOTING_DELAY_S = 3
WAIT_S = 30.0


@pytest.fixture(scope="module")
def ticking_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web3]:
    """An embedded anvil with a one-second block time, stopped when this module is done."""
    home = tmp_path_factory.mktemp("ticking")
    settings = Settings(polyphony_home=home, polyphony_chain_port=free_port(), polyphony_chain_block_time_s=1)
    stack = Stack(settings, Console(quiet=True))
    stack.start(anvil_part(settings))
    try:
        yield connect(settings.effective_chain_rpc_url)
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def deployed(ticking_chain: Web3, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    keys = ensure_dev_keys(Path(tmp_path_factory.mktemp("keys")), ticking_chain)
    parameters = GovernanceParameters(
        voting_delay_s=VOTING_DELAY_S, voting_period_s=100, proposal_threshold=0, quorum_percent=4,
        timelock_delay_s=20, reward_challenge_delay_s=200,
    )  # fmt: skip
    deployment, _ = ensure_deployed(
        ticking_chain, keys, parameters=parameters, deployments_dir=Path(tmp_path_factory.mktemp("dao"))
    )
    return deployment


def _wallet(web3: Web3) -> LocalAccount:
    account: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [account.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return account


def test_the_chain_clock_follows_the_wall_clock_with_no_transaction(ticking_chain: Web3) -> None:
    first = ticking_chain.eth.block_number
    time.sleep(3)
    assert ticking_chain.eth.block_number >= first + 2
    assert abs(chain_now(ticking_chain) - time.time()) <= 2


def test_a_proposal_becomes_active_after_its_voting_delay_with_no_other_transaction(
    ticking_chain: Web3, deployed: Deployment
) -> None:
    governor, token = deployed.bind(ticking_chain, "governor"), deployed.bind(ticking_chain, "token")
    proposer = _wallet(ticking_chain)
    description = f"a proposal that waits on the clock {time.time()}"
    call = call_of(governor, "propose", [token.address], [0], [b""], description)
    proposed_in = send_as(ticking_chain, proposer, call)["blockNumber"]
    proposal_id = governor.functions.hashProposal([token.address], [0], [b""], Web3.keccak(text=description)).call()
    assert governor.functions.state(proposal_id).call() == PENDING
    snapshot = int(governor.functions.proposalSnapshot(proposal_id).call())

    deadline = time.monotonic() + WAIT_S
    while governor.functions.state(proposal_id).call() != ACTIVE:
        assert time.monotonic() < deadline, f"still pending {WAIT_S:g} s later, chain time {chain_now(ticking_chain)}"
        time.sleep(0.5)

    assert chain_now(ticking_chain) > snapshot  # what the vote's relay checks against
    later_blocks = range(proposed_in + 1, ticking_chain.eth.block_number + 1)
    assert later_blocks and all(ticking_chain.eth.get_block_transaction_count(number) == 0 for number in later_blocks)
