"""The operator's keys, one per role, so each holds only the one permission it needs on-chain.

Keys live as hex files in `$POLYPHONY_HOME/keys/<role>.key` (mode 0600). On the embedded chain they are made
on first start and funded with anvil's `anvil_setBalance`; on any other chain the operator provides them.
"""

import os
import secrets
from enum import StrEnum
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from polyphony.errors import BadRequest

DEV_FUNDING_WEI = 1_000 * 10**18


class KeyRole(StrEnum):
    DEPLOYER = "deployer"  # deploys and wires the contracts, then renounces every role
    ANCHORER = "anchorer"  # anchors provenance batch roots and registers scoring policies
    REWARDER = "rewarder"  # proposes cumulative reward roots
    RELAYER = "relayer"  # pays gas for claims, votes and delegations signed by users
    SCORER = "scorer"  # signs score attestations and registers the scoring policies it applies


class MissingKey(BadRequest):
    code = "missing_key"


def load_keys(keys_dir: Path) -> dict[KeyRole, LocalAccount]:
    """Every role's key from `keys_dir`; a missing one is an error saying where to put it."""
    return {role: _load(keys_dir / f"{role}.key", role) for role in KeyRole}


def ensure_dev_keys(keys_dir: Path, web3: Web3) -> dict[KeyRole, LocalAccount]:
    """On a development chain: make any missing key and top every one up with test ether."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    for role in KeyRole:
        path = keys_dir / f"{role}.key"
        if not path.exists():
            _write_private(path, "0x" + secrets.token_hex(32))
    keys = load_keys(keys_dir)
    for account in keys.values():
        if web3.eth.get_balance(account.address) < DEV_FUNDING_WEI // 2:
            web3.provider.make_request("anvil_setBalance", [account.address, hex(DEV_FUNDING_WEI)])  # type: ignore[arg-type]
    return keys


def _load(path: Path, role: KeyRole) -> LocalAccount:
    if not path.exists():
        raise MissingKey(f"no {role} key: write its private key (hex) to {path}, readable by this user only")
    account: LocalAccount = Account.from_key(path.read_text().strip())
    return account


def _write_private(path: Path, secret: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret + "\n")
