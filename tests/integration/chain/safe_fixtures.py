"""Safes for the tests: the real Safe 1.4.1 contracts from npm (`@safe-global/safe-contracts`, pinned in
package-lock.json), their compiled artifacts deployed on anvil as Safe's own deployment does it: the singleton,
the proxy factory, and the CompatibilityFallbackHandler that gives a Safe its ERC-1271 `isValidSignature`.

How a Safe signs, read from that package's sources: `isValidSignature(bytes32 hash, bytes signature)` on the
Safe falls through to the handler, which checks `signature` with the Safe's own `checkSignatures` over the Safe
message hash of `hash`:

    keccak256(0x19 0x01 || Safe.domainSeparator() || keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(hash))))

where the domain is EIP712Domain(uint256 chainId, address verifyingContract = the Safe) and SAFE_MSG_TYPEHASH is
keccak256("SafeMessage(bytes message)"), the message being the 32 bytes of `hash` (`abi.encode(hash)`). The
signature is one 65-byte ECDSA signature of that hash per signing owner (v 27/28), at least `threshold` of them,
concatenated in ascending order of the owners' addresses. This is what Safe{Wallet} has owners sign with
`eth_signTypedData` for an off-chain message. An empty signature holds for a hash the Safe approved on-chain
(a Safe transaction delegate-calling SignMessageLib's `signMessage`).
"""

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from chain.bindings import call_of
from chain.safes import safe_message_hash, sign_for_safe
from chain.tx import Call
from tests.integration.chain.governance_fixtures import send_as

REPO_DIR = Path(__file__).resolve().parents[3]
PACKAGE_DIR = REPO_DIR / "node_modules" / "@safe-global" / "safe-contracts"
ARTIFACTS_DIR = PACKAGE_DIR / "build" / "artifacts" / "contracts"
ZERO_ADDRESS = "0x" + "00" * 20
CALL, DELEGATECALL = 0, 1  # Enum.Operation
HANDLER = "CompatibilityFallbackHandler"


@cache
def artifact(path: str) -> dict[str, Any]:
    """The Hardhat artifact (abi, bytecode) of `path` under the package's build, e.g. 'Safe.sol/Safe.json'."""
    loaded: dict[str, Any] = json.loads((ARTIFACTS_DIR / path).read_text())
    return loaded


def package_version() -> str:
    return str(json.loads((PACKAGE_DIR / "package.json").read_text())["version"])


@dataclass(frozen=True)
class SafeContracts:
    """The three deployed contracts every Safe of the tests is made from."""

    singleton: Contract
    factory: Contract
    fallback_handler: Contract
    sign_message_lib: Contract


def deploy_safe_contracts(web3: Web3, deployer: LocalAccount) -> SafeContracts:
    """Deploy the singleton, the proxy factory, the compatibility fallback handler and SignMessageLib from the npm
    artifacts."""
    return SafeContracts(
        singleton=_deploy(web3, deployer, "Safe.sol/Safe.json"),
        factory=_deploy(web3, deployer, "proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
        fallback_handler=_deploy(web3, deployer, f"handler/{HANDLER}.sol/{HANDLER}.json"),
        sign_message_lib=_deploy(web3, deployer, "libraries/SignMessageLib.sol/SignMessageLib.json"),
    )


def _deploy(web3: Web3, deployer: LocalAccount, path: str) -> Contract:
    built = artifact(path)
    factory = web3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    params = factory.constructor().build_transaction({
        "from": deployer.address, "nonce": web3.eth.get_transaction_count(deployer.address, "pending"),
        "chainId": web3.eth.chain_id, "gasPrice": web3.eth.gas_price,
    })  # fmt: skip
    signed = deployer.sign_transaction(params)  # type: ignore[arg-type]
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt["status"] == 1 and receipt["contractAddress"], f"deploying {path} failed"
    return web3.eth.contract(address=receipt["contractAddress"], abi=built["abi"])


@dataclass(frozen=True)
class SafeWallet:
    """One Safe proxy, its owners' keys, and the moves its owners make."""

    web3: Web3
    contract: Contract
    owners: tuple[LocalAccount, ...]
    threshold: int

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def message_hash(self, digest: bytes) -> bytes:
        """The Safe message hash of `digest`: what each owner signs for the Safe to accept `digest`."""
        return safe_message_hash(self.address, chain_id=self.web3.eth.chain_id, digest=digest)

    def sign(self, digest: bytes, *, signers: list[LocalAccount] | None = None, ascending: bool = True) -> bytes:
        """The Safe's signature of `digest`: its first `threshold` owners' (or `signers`'), sorted as Safe wants
        (or, with `ascending` False, the wrong way round)."""
        chosen = list(self.owners[: self.threshold] if signers is None else signers)
        if ascending:
            return sign_for_safe(chosen, safe=self.address, chain_id=self.web3.eth.chain_id, digest=digest)
        chosen.sort(key=lambda owner: int(owner.address, 16), reverse=True)
        safe_hash = self.message_hash(digest)
        return b"".join(bytes(owner.unsafe_sign_hash(safe_hash).signature) for owner in chosen)

    def execute(self, call: Call, *, sender: LocalAccount, operation: int = CALL) -> TxReceipt:
        """Have the Safe make `call` (value 0) through `execTransaction`, signed by `threshold` owners and sent
        (gas paid) by `sender`: how a Safe acts on a contract itself, as its owners do in Safe{Wallet}."""
        to, data = Web3.to_checksum_address(str(call.to)), HexBytes(call.data)
        nonce = int(self.contract.functions.nonce().call())
        tx_hash = bytes(
            self.contract.functions.getTransactionHash(
                to, 0, data, operation, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS, nonce
            ).call()
        )
        owners = sorted(self.owners[: self.threshold], key=lambda owner: int(owner.address, 16))
        signatures = b"".join(bytes(owner.unsafe_sign_hash(tx_hash).signature) for owner in owners)
        exec_call = call_of(
            self.contract, "execTransaction", to, 0, data, operation, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS, signatures
        )
        receipt = send_as(self.web3, sender, exec_call)
        success = self.contract.events.ExecutionSuccess().process_receipt(receipt, errors=DISCARD)
        assert success, f"the Safe's transaction to {to} failed inside execTransaction"
        return receipt


def approve_on_chain(safe: SafeWallet, digest: bytes, *, contracts: SafeContracts, sender: LocalAccount) -> None:
    """Have `safe` approve `digest` on-chain (SignMessageLib, delegate-called): then its empty signature holds."""
    approve = call_of(contracts.sign_message_lib, "signMessage", digest)  # the message is abi.encode(digest)
    safe.execute(approve, sender=sender, operation=DELEGATECALL)


def new_safe(
    web3: Web3, contracts: SafeContracts, owners: list[LocalAccount], threshold: int, *, sender: LocalAccount
) -> SafeWallet:
    """A new Safe proxy with `owners` and `threshold`, the compatibility handler as its fallback handler."""
    setup = contracts.singleton.encode_abi("setup", args=[
        [owner.address for owner in owners], threshold, ZERO_ADDRESS, b"", contracts.fallback_handler.address,
        ZERO_ADDRESS, 0, ZERO_ADDRESS,
    ])  # fmt: skip
    salt = int.from_bytes(os.urandom(8), "big")
    create = call_of(contracts.factory, "createProxyWithNonce", contracts.singleton.address, HexBytes(setup), salt)
    receipt = send_as(web3, sender, create)
    (created,) = contracts.factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    proxy = web3.eth.contract(address=created["args"]["proxy"], abi=artifact("Safe.sol/Safe.json")["abi"])
    return SafeWallet(web3, proxy, tuple(owners), threshold)
