"""Who holds which role: the plan after deploy, and the truth replayed from RoleGranted/RoleRevoked events.

OpenZeppelin's AccessControl cannot list a role's holders, so the events are the only complete record.
"""

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.bindings import Deployment
from chain.keys import KeyRole

ROLE_NAMES = [
    "DEFAULT_ADMIN_ROLE", "MINTER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE",
    "ANCHOR_ROLE", "POLICY_ROLE", "ROOT_PROPOSER_ROLE", "REVOKER_ROLE",
]  # fmt: skip
ANYONE = "0x0000000000000000000000000000000000000000"

RoleMap = dict[str, set[str]]


def role_id(name: str) -> bytes:
    """The bytes32 id of role `name`, as AccessControl computes it."""
    return bytes(32) if name == "DEFAULT_ADMIN_ROLE" else Web3.keccak(text=name)


_NAME_OF = {role_id(name): name for name in ROLE_NAMES}


def expected_roles(deployment: Deployment, keys: dict[KeyRole, LocalAccount]) -> dict[str, RoleMap]:
    """Every role holder the deployment should have, per contract (addresses in lower case)."""
    at = {name: c.address.lower() for name, c in deployment.contracts.items()}
    key = {role: account.address.lower() for role, account in keys.items()}
    return {
        "token": {"DEFAULT_ADMIN_ROLE": {at["timelock"]}, "MINTER_ROLE": {at["rewardsDistributor"]}},
        "timelock": {
            # OpenZeppelin's timelock administers itself; executor = the zero address means anyone executes.
            "DEFAULT_ADMIN_ROLE": {at["timelock"]}, "PROPOSER_ROLE": {at["governor"]},
            "CANCELLER_ROLE": {at["governor"]}, "EXECUTOR_ROLE": {ANYONE},
        },
        "provenanceRegistry": {
            "DEFAULT_ADMIN_ROLE": {at["timelock"]}, "ANCHOR_ROLE": {key[KeyRole.ANCHORER]},
            "POLICY_ROLE": {key[KeyRole.SCORER]},
        },
        "rewardsDistributor": {
            "DEFAULT_ADMIN_ROLE": {at["timelock"]}, "REVOKER_ROLE": {at["timelock"]},
            "ROOT_PROPOSER_ROLE": {key[KeyRole.REWARDER]},
        },
    }  # fmt: skip


def role_holders(web3: Web3, deployment: Deployment, name: str) -> RoleMap:
    """The holders of each role of contract `name`, replayed from its events since it was deployed."""
    contract = deployment.bind(web3, name)
    since = deployment.contracts[name].block
    changes = [(log, True) for log in contract.events.RoleGranted().get_logs(from_block=since)]
    changes += [(log, False) for log in contract.events.RoleRevoked().get_logs(from_block=since)]
    holders: RoleMap = {}
    for log, granted in sorted(changes, key=lambda change: (change[0]["blockNumber"], change[0]["logIndex"])):
        role = _NAME_OF.get(bytes(log["args"]["role"]), "0x" + bytes(log["args"]["role"]).hex())
        members = holders.setdefault(role, set())
        account = str(log["args"]["account"]).lower()
        if granted:
            members.add(account)
        else:
            members.discard(account)
    return {role: members for role, members in holders.items() if members}
