"""Gas of every chain operation Polyphony pays for, read from receipts on a fresh anvil: bench/out/gas.json.

Runs alone (`python bench/gas.py`): a private state folder and SQLite database, anvil on a free loopback
port, the contract set deployed by `polyphony deploy`'s code with the default governance parameters, and
every transaction sent by the backend's transaction sender, as in production. Relayed actions (claims,
delegations, votes) are signed with chain/eip712.py and sent by the relayer key.

Anchors: Uniswap's MerkleDistributor claim (81,970 gas) for a claim; Vana's per-file registration in its
data registry (about 130-200k gas) for anchoring, which Polyphony does as one Merkle root per batch.
Goals (issue 4): at most 500 gas per contribution at batches of 100 or more; a claim at most 85k the first
time and 60k after.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from rich.console import Console
from web3 import Web3
from web3.contract import Contract

from chain.bindings import Deployment, call_of
from chain.client import connect
from chain.deploy import ensure_deployed, parameters_from
from chain.eip712 import Ballot, Delegation, domain_of, sign, split_signature, typed_data
from chain.keys import KeyRole, ensure_dev_keys
from chain.merkle import StandardMerkleTree
from chain.tx import Call, TxSender
from cli.stack import Stack, anvil_part, free_port
from polyphony.db import get_engine
from polyphony.migrations import upgrade_to_head
from polyphony.settings import get_settings
from polyphony.storage.cid import parse_cid

OUT = Path(__file__).resolve().parent / "out" / "gas.json"
UNISWAP_CLAIM_GAS = 81_970
VANA_REGISTRATION_GAS_LOW = 130_000
VANA_REGISTRATION_GAS_HIGH = 200_000
BATCH_SIZES = (1, 100, 1_000)
REWARD_ACCOUNTS = 1_024  # an epoch paying 1,024 accounts: every proof is 10 nodes long
TOKEN = 10**18
FOR = 1
# An example CID: the registry takes a manifest CID as its codec and digest; other contracts take its text.
EXAMPLE_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CONTRIBUTION_LEAF = ["address", "bytes32", "string"]
REWARD_LEAF = ["address", "address", "uint256"]


@dataclass
class Chain:
    """The deployed contract set and the operator keys that send to it."""

    web3: Web3
    deployment: Deployment
    keys: dict[KeyRole, LocalAccount]

    def send(self, role: KeyRole, intent: str, call: Call) -> int:
        """Send `call` with `role`'s key through the transaction sender; the gas its receipt reports."""
        return int(TxSender(self.web3, self.keys[role]).send(f"bench:gas:{intent}", call).gas_used or 0)

    def contract(self, name: str) -> Contract:
        """The deployed contract `name`."""
        return self.deployment.bind(self.web3, name)

    def travel(self, seconds: int) -> None:
        """Move the chain's clock forward and mine a block there."""
        self.web3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def now(self) -> int:
        """The newest block's timestamp."""
        return int(self.web3.eth.get_block("latest")["timestamp"])


def use_private_state(home: Path) -> None:
    """Point the settings (read on first use, not at import) at `home`, its own database and a free port."""
    port = free_port()
    os.environ["POLYPHONY_HOME"] = str(home)
    os.environ["POLYPHONY_REDIS_PORT"] = str(free_port())
    os.environ.pop("REDIS_URL", None)
    os.environ["POLYPHONY_CHAIN_PORT"] = str(port)
    os.environ["CHAIN_RPC_URL"] = f"http://127.0.0.1:{port}"
    os.environ["DATABASE_URL"] = f"sqlite:///{home / 'polyphony.db'}"


def seeded(label: str) -> bytes:
    """32 bytes derived from `label`: the same keys, addresses and roots on every run, so the same calldata."""
    return bytes(Web3.keccak(text=f"polyphony bench gas: {label}"))


def seed_keys(keys_dir: Path) -> None:
    """Write each operator key file (hex, owner-only) from a seed, so every run deploys to the same addresses."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    for role in KeyRole:
        path = keys_dir / f"{role}.key"
        path.write_text("0x" + seeded(f"key {role}").hex() + "\n")
        path.chmod(0o600)


def seeded_address(label: str) -> str:
    """An address derived from `label`."""
    return Web3.to_checksum_address(seeded(label)[-20:])


def deploy() -> Chain:
    """Migrate the database, make the operator keys and deploy the contracts on the running anvil."""
    settings = get_settings()
    seed_keys(settings.keys_dir)
    upgrade_to_head(get_engine())
    web3 = connect(settings.effective_chain_rpc_url)
    keys = ensure_dev_keys(settings.keys_dir, web3)
    deployment, _ = ensure_deployed(
        web3, keys, parameters=parameters_from(settings), deployments_dir=settings.deployments_dir
    )
    return Chain(web3, deployment, keys)


def anchoring(chain: Chain) -> dict[str, float]:
    """One `anchor` call per batch of contributions, and its cost per contribution."""
    registry = chain.contract("provenanceRegistry")
    manifest = parse_cid(EXAMPLE_CID)  # the registry takes a CID as its codec and digest
    figures: dict[str, float] = {}
    for size in BATCH_SIZES:
        leaves = [[seeded_address(f"contributor {i}"), seeded(f"sha256 {i}"), EXAMPLE_CID] for i in range(size)]
        root = StandardMerkleTree.of(leaves, leaf_encoding=CONTRIBUTION_LEAF).root
        gas = chain.send(
            KeyRole.ANCHORER,
            f"anchor:{size}",
            call_of(registry, "anchor", HexBytes(root), size, manifest.codec, manifest.digest),
        )
        figures[f"anchor_gas_batch_{size}"] = gas
        figures[f"anchor_gas_per_contribution_batch_{size}"] = round(gas / size, 1)
    return figures


def activate_rewards(chain: Chain, cumulative: dict[str, int]) -> StandardMerkleTree:
    """Propose the cumulative tree of the next epoch with the rewarder key, wait out the challenge, activate it."""
    distributor = chain.contract("rewardsDistributor")
    token = chain.deployment.contracts["token"].address
    tree = StandardMerkleTree.of([[a, token, amount] for a, amount in cumulative.items()], leaf_encoding=REWARD_LEAF)
    epoch = int(distributor.functions.epoch().call()) + 1
    propose = call_of(distributor, "proposeRoot", HexBytes(tree.root), epoch, sum(cumulative.values()), EXAMPLE_CID)
    chain.send(KeyRole.REWARDER, f"root:{epoch}", propose)
    chain.travel(int(distributor.functions.challengeDelay().call()) + 1)
    chain.send(KeyRole.REWARDER, f"activate:{epoch}", call_of(distributor, "activateRoot"))
    return tree


def relayed_claim(chain: Chain, tree: StandardMerkleTree, *, account: str, intent: str) -> int:
    """The relayer sends `account`'s claim of its cumulative amount in `tree`."""
    [value] = [value for value in tree.values if value[0] == account]
    proof = [HexBytes(node) for node in tree.proof(value)]
    claim = call_of(chain.contract("rewardsDistributor"), "claim", account, value[2], proof)
    return chain.send(KeyRole.RELAYER, intent, claim)


def claims(chain: Chain, holder: LocalAccount) -> dict[str, float]:
    """A holder's first claim, and its claim of what a later epoch added."""
    cumulative = {seeded_address(f"account {i}"): TOKEN for i in range(REWARD_ACCOUNTS - 1)}
    cumulative[holder.address] = 1_000 * TOKEN
    first = relayed_claim(chain, activate_rewards(chain, cumulative), account=holder.address, intent="claim:first")
    cumulative[holder.address] += 500 * TOKEN
    later = activate_rewards(chain, cumulative)
    repeat = relayed_claim(chain, later, account=holder.address, intent="claim:repeat")
    return {"claim_gas_first": first, "claim_gas_repeat": repeat, "claim_proof_length": len(later.proof(0))}


def delegation(chain: Chain, holder: LocalAccount) -> dict[str, float]:
    """The holder's first delegation (to itself), signed and relayed."""
    token = chain.contract("token")
    signed = Delegation(delegatee=holder.address, nonce=0, expiry=chain.now() + 3_600)
    v, r, s = split_signature(sign(typed_data(domain_of(token), message=signed), account=holder))
    call = call_of(token, "delegateBySig", holder.address, 0, signed.expiry, v, r, s)
    return {"delegate_by_sig_gas": chain.send(KeyRole.RELAYER, "delegate", call)}


def relayed_vote(chain: Chain, holder: LocalAccount, *, proposal_id: int) -> int:
    """The holder's vote for `proposal_id`, signed and relayed."""
    governor = chain.contract("governor")
    ballot = Ballot(proposal_id=proposal_id, support=FOR, voter=holder.address, nonce=0)
    signature = sign(typed_data(domain_of(governor), message=ballot), account=holder)
    vote = call_of(governor, "castVoteBySig", proposal_id, FOR, holder.address, signature)
    return chain.send(KeyRole.RELAYER, "vote", vote)


def round_approval(chain: Chain, holder: LocalAccount) -> dict[str, float]:
    """Propose a round's dataset approval, vote for it by signature, queue it and execute it."""
    governor, registry = chain.contract("governor"), chain.contract("datasetRegistry")
    approve = call_of(registry, "approve", 1, seeded("manifest root"), EXAMPLE_CID)
    actions, description = ([registry.address], [0], [approve.data]), "Approve the round-1 dataset"
    lifecycle = (*actions, Web3.keccak(text=description))
    figures: dict[str, float] = {}
    figures["propose_gas"] = chain.send(KeyRole.RELAYER, "propose", call_of(governor, "propose", *actions, description))
    chain.travel(int(governor.functions.votingDelay().call()) + 1)
    proposal_id = int(governor.functions.hashProposal(*lifecycle).call())
    figures["cast_vote_by_sig_gas"] = relayed_vote(chain, holder, proposal_id=proposal_id)
    chain.travel(int(governor.functions.votingPeriod().call()) + 1)
    figures["queue_gas"] = chain.send(KeyRole.RELAYER, "queue", call_of(governor, "queue", *lifecycle))
    chain.travel(int(chain.contract("timelock").functions.getMinDelay().call()) + 1)
    figures["execute_gas"] = chain.send(KeyRole.RELAYER, "execute", call_of(governor, "execute", *lifecycle))
    figures["propose_queue_execute_gas_total"] = figures["propose_gas"] + figures["queue_gas"] + figures["execute_gas"]
    return figures


def with_anchors(figures: dict[str, float]) -> dict[str, Any]:
    """The figures beside the numbers they are compared with."""
    return {
        **figures,
        "uniswap_merkle_distributor_claim_gas_anchor": UNISWAP_CLAIM_GAS,
        "vana_file_registration_gas_anchor_low": VANA_REGISTRATION_GAS_LOW,
        "vana_file_registration_gas_anchor_high": VANA_REGISTRATION_GAS_HIGH,
        "anchor": "uniswap_merkle_distributor_claim",
        "ratio": round(figures["claim_gas_first"] / UNISWAP_CLAIM_GAS, 4),
        "ratio_anchor_per_contribution_vs_vana_low": round(
            figures["anchor_gas_per_contribution_batch_100"] / VANA_REGISTRATION_GAS_LOW, 6
        ),
    }


def measure(chain: Chain) -> dict[str, Any]:
    """Every figure, in the order a contribution meets them: anchored, rewarded, then governance."""
    holder: LocalAccount = Account.from_key(seeded("holder"))
    figures = anchoring(chain)
    figures |= claims(chain, holder)
    figures |= delegation(chain, holder)
    figures |= round_approval(chain, holder)
    return with_anchors(figures)


def print_table(figures: dict[str, Any]) -> None:
    """The figures, one a line."""
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        shown = f"{value:>12,}" if isinstance(value, int) else f"{value:>12}"
        print(f"{name:<{width}}  {shown}")


def main() -> None:
    """Measure on a private anvil, write bench/out/gas.json, print the table."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-gas-") as home:
        use_private_state(Path(home))
        stack = Stack(get_settings(), Console(quiet=True))
        try:
            stack.start(anvil_part(get_settings()))
            figures = measure(deploy())
        finally:
            stack.stop_all()
            get_engine().dispose()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(figures)
    print("written bench/out/gas.json")


if __name__ == "__main__":
    main()
