"""A DAO of the tests' own, and the moves governance and reward tests are made of.

`dao` is a fresh contract set (a fresh deployer key) whose distributor and token supply no other test touches,
so its cumulative reward tree is known in full. Tokens exist only through the rewards distributor, its sole
minter, so minting votes here takes the real path: the rewarder key proposes a cumulative root, the challenge
delay passes (anvil's `evm_increaseTime`), anyone activates the root, the holder claims and delegates.
Users (holders, voters, relayers of signatures) sign and send from their own wallets; operator keys send
through the backend's `TxSender`.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.abi import abi_to_signature
from hexbytes import HexBytes
from sqlalchemy.engine import Engine
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.types import TxParams, TxReceipt

from chain.bindings import ARTIFACT_OF, Deployment, call_of, load_artifact
from chain.deploy import ensure_deployed
from chain.keys import KeyRole
from chain.merkle import StandardMerkleTree
from chain.tx import Call, TxSender
from tests.integration.conftest import TEN_ETHER, TEST_GOVERNANCE

# anvil under-estimates ERC20Votes transfers after a delegation (DESIGN.md): pad user transactions too.
GAS_PADDING = 60_000
REWARD_LEAF = ["address", "address", "uint256"]
# OZ IGovernor.ProposalState and GovernorCountingSimple.VoteType.
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
AGAINST, FOR, ABSTAIN = range(3)


@dataclass
class Dao:
    """A deployed contract set, the operator keys that run it, and every reward it has paid."""

    web3: Web3
    deployment: Deployment
    keys: dict[KeyRole, LocalAccount]
    cumulative: dict[str, int] = field(default_factory=dict)  # the distributor's whole tree: account -> amount

    def bind(self, name: str) -> Contract:
        """The deployed contract `name`."""
        return self.deployment.bind(self.web3, name)


@pytest.fixture(scope="session", name="dao")
def dao_fixture(
    web3: Web3, engine: Engine, operator_keys: dict[KeyRole, LocalAccount], tmp_path_factory: pytest.TempPathFactory
) -> Dao:
    """A contract set of the governance tests' own, deployed by `polyphony deploy`'s code with test parameters."""
    keys = {**operator_keys, KeyRole.DEPLOYER: new_wallet(web3)}
    deployed, _ = ensure_deployed(
        web3, keys, parameters=TEST_GOVERNANCE, deployments_dir=Path(tmp_path_factory.mktemp("dao"))
    )
    return Dao(web3, deployed, keys)


def new_wallet(web3: Web3) -> LocalAccount:
    """A fresh key holding 10 ether."""
    account: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [account.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return account


def mint_tokens(web3: Web3, deployment: Deployment, address: str, amount: int) -> None:
    """Mint `amount` to `address` as the rewards distributor, the token's only minter (impersonated on anvil)."""
    minter = Web3.to_checksum_address(deployment.contracts["rewardsDistributor"].address)
    token = deployment.bind(web3, "token")
    web3.provider.make_request("anvil_impersonateAccount", [minter])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [minter, hex(TEN_ETHER)])  # type: ignore[arg-type]
    try:
        tx = token.functions.mint(address, amount).transact({"from": minter})
        assert web3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    finally:
        web3.provider.make_request("anvil_stopImpersonatingAccount", [minter])  # type: ignore[arg-type]


def chain_now(web3: Web3) -> int:
    """The newest block's timestamp: the contracts' clock."""
    return int(web3.eth.get_block("latest")["timestamp"])


def travel(web3: Web3, seconds: int) -> None:
    """Move the chain's clock `seconds` forward and mine a block there."""
    web3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def send_as(web3: Web3, account: LocalAccount, call: Call) -> TxReceipt:
    """Sign `call` with a user's own wallet, send it, and return its receipt; raise if it reverts."""
    params: TxParams = {
        "from": account.address,
        "to": Web3.to_checksum_address(str(call.to)),
        "data": HexBytes(call.data),
        "chainId": web3.eth.chain_id,
        "nonce": web3.eth.get_transaction_count(account.address, "pending"),
        "gasPrice": web3.eth.gas_price,
    }
    params["gas"] = web3.eth.estimate_gas(params) + GAS_PADDING
    signed = account.sign_transaction(params)  # type: ignore[arg-type]
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt["status"] == 1, f"reverted: {call}"
    return receipt


@cache
def _error_names() -> dict[str, str]:
    """Every custom error of every contract, by its 4-byte selector (0x-hex)."""
    names = {}
    for artifact in set(ARTIFACT_OF.values()):
        for entry in load_artifact(artifact).abi:
            if entry["type"] == "error":
                names["0x" + Web3.keccak(text=abi_to_signature(entry))[:4].hex()] = entry["name"]
    return names


def refusal(web3: Web3, sender: str, call: Call) -> str:
    """The name of the custom error the contract refuses `call` from `sender` with; fail if it goes through."""
    try:
        web3.eth.call({"from": Web3.to_checksum_address(sender), "to": str(call.to), "data": HexBytes(call.data)})
    except ContractLogicError as error:
        data = error.data if isinstance(error.data, str) else ""
        return _error_names().get(data[:10], f"unknown revert {data or error.message}")
    raise AssertionError(f"the contract accepted {call} from {sender}")


def reward_tree(dao: Dao, cumulative: dict[str, int]) -> StandardMerkleTree:
    """The distributor's tree of (account, token, cumulative amount) leaves."""
    token = dao.deployment.contracts["token"].address
    return StandardMerkleTree.of([[a, token, amount] for a, amount in cumulative.items()], leaf_encoding=REWARD_LEAF)


def propose_root(dao: Dao, tree: StandardMerkleTree, *, total: int) -> int:
    """Propose `tree`'s root for the next epoch with the rewarder key; return that epoch."""
    distributor = dao.bind("rewardsDistributor")
    epoch = int(distributor.functions.epoch().call()) + 1
    call = call_of(distributor, "proposeRoot", HexBytes(tree.root), epoch, total, f"report-of-epoch-{epoch}")
    TxSender(dao.web3, dao.keys[KeyRole.REWARDER]).send(f"test:root:{distributor.address}:{tree.root}", call)
    return epoch


def pay(dao: Dao, rewards: dict[str, int]) -> StandardMerkleTree:
    """Add `rewards` to the cumulative tree and make its root the active one, as an epoch close does."""
    for account, amount in rewards.items():
        dao.cumulative[account] = dao.cumulative.get(account, 0) + amount
    tree = reward_tree(dao, dao.cumulative)
    distributor = dao.bind("rewardsDistributor")
    epoch = propose_root(dao, tree, total=sum(dao.cumulative.values()))
    travel(dao.web3, int(distributor.functions.challengeDelay().call()) + 1)
    activation = call_of(distributor, "activateRoot")
    TxSender(dao.web3, dao.keys[KeyRole.REWARDER]).send(f"test:activate:{distributor.address}:{epoch}", activation)
    return tree


def entitlement(tree: StandardMerkleTree, account: str) -> tuple[int, list[str]]:
    """The cumulative amount `tree` gives `account`, and the proof of it."""
    [value] = [value for value in tree.values if value[0] == account]
    return int(value[2]), tree.proof(value)


def claim_call(dao: Dao, tree: StandardMerkleTree, account: str) -> Call:
    """The honest claim of `account`'s cumulative amount in `tree`."""
    amount, proof = entitlement(tree, account)
    return call_of(dao.bind("rewardsDistributor"), "claim", account, amount, [HexBytes(node) for node in proof])


def majority(dao: Dao) -> int:
    """An amount that, minted now, outweighs the whole current supply (so it alone meets any quorum)."""
    return int(dao.bind("token").functions.totalSupply().call()) + 10**21


def grant_votes(dao: Dao, holders: dict[str, int]) -> dict[str, LocalAccount]:
    """New funded wallets, one per name, each paid its amount as a reward, claimed and self-delegated."""
    wallets = {name: new_wallet(dao.web3) for name in holders}
    tree = pay(dao, {wallets[name].address: amount for name, amount in holders.items()})
    for wallet in wallets.values():
        send_as(dao.web3, wallet, claim_call(dao, tree, wallet.address))
        send_as(dao.web3, wallet, call_of(dao.bind("token"), "delegate", wallet.address))
    return wallets


@dataclass(frozen=True)
class Proposal:
    """A governor proposal's actions and description: what propose, queue and execute all take."""

    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description: str

    @property
    def description_hash(self) -> bytes:
        """keccak256 of the description, as queue and execute take it."""
        return bytes(Web3.keccak(text=self.description))


def approval_proposal(dao: Dao, *, round_number: int, manifest_root: bytes, manifest_cid: str) -> Proposal:
    """The proposal whose single action is the timelock calling `datasetRegistry.approve(round, root, cid)`."""
    registry = dao.bind("datasetRegistry")
    action = call_of(registry, "approve", round_number, manifest_root, manifest_cid)
    return Proposal([registry.address], [0], [action.data], f"Approve {manifest_cid} for round {round_number}")


def propose(dao: Dao, proposer: LocalAccount, proposal: Proposal) -> int:
    """Submit `proposal` from `proposer`; return its id."""
    governor = dao.bind("governor")
    args = (proposal.targets, proposal.values, proposal.calldatas)
    send_as(dao.web3, proposer, call_of(governor, "propose", *args, proposal.description))
    return int(governor.functions.hashProposal(*args, proposal.description_hash).call())


def lifecycle_call(dao: Dao, step: str, proposal: Proposal) -> Call:
    """The governor's `queue` or `execute` of `proposal`."""
    args = (proposal.targets, proposal.values, proposal.calldatas, proposal.description_hash)
    return call_of(dao.bind("governor"), step, *args)


def state(dao: Dao, proposal_id: int) -> int:
    """The proposal's OZ ProposalState."""
    return int(dao.bind("governor").functions.state(proposal_id).call())


def open_voting(dao: Dao) -> None:
    """Move past the voting delay of a proposal made just now."""
    travel(dao.web3, int(dao.bind("governor").functions.votingDelay().call()) + 1)


def close_voting(dao: Dao) -> None:
    """Move past the voting period of a proposal whose voting just opened."""
    travel(dao.web3, int(dao.bind("governor").functions.votingPeriod().call()) + 1)


def wait_timelock(dao: Dao) -> None:
    """Move past the timelock delay of an operation queued just now."""
    travel(dao.web3, int(dao.bind("timelock").functions.getMinDelay().call()) + 1)
