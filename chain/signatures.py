"""Does this address sign this digest: the one answer for sign-in, claims, revocations and ballots.

A plain wallet (an externally owned account) signs with its key: 65 bytes, recovered with ECDSA. A contract
wallet such as a Safe has no key of its own: it implements ERC-1271, answering `isValidSignature(bytes32 digest,
bytes signature)` with the magic value 0x1626ba7e when it accepts a signature, which for a Safe means that
enough of its owners signed. Which of the two applies is decided as OpenZeppelin's `SignatureChecker` decides it,
so the Governor's `castVoteBySig` never disagrees with us: an address with code is asked through the chain, one
without is recovered. The wallet is asked now: a Safe whose owners change later may refuse a signature it
accepts today, and a checker on another chain sees that chain's code.
"""

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_keys.exceptions import BadSignature
from web3 import Web3
from web3.exceptions import Web3Exception

from chain.client import rpc_errors

ERC1271_MAGIC_VALUE = bytes.fromhex("1626ba7e")
# A Safe's signature is 65 bytes per signing owner (more for owners that are contracts themselves): this bound
# fits a hundred owners and keeps every stored signature and every call small.
MAX_SIGNATURE_BYTES = 8192

_ERC1271_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "magicValue", "type": "bytes4"}],
    }
]


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one signature: whether it holds, and what was found, in words for an error message."""

    valid: bool
    found: str


def is_contract(web3: Web3, address: str) -> bool:
    """Whether `address` holds code on the chain `web3` reaches: a contract wallet rather than a key."""
    with rpc_errors():
        return len(web3.eth.get_code(Web3.to_checksum_address(address))) > 0


def check_signature(
    web3: Web3 | None, *, signer: str, digest: bytes, signature: bytes, key_first: bool = False
) -> SignatureCheck:
    """Whether `signer` signed the 32-byte `digest` with `signature`: by its key, or, if it is a contract
    wallet, by its own ERC-1271 answer. Without a chain (`web3` None) only a key's signature can be checked.

    `key_first` is EIP-4361's order: a signature that recovers to `signer` holds without asking the chain, so a
    plain wallet signs in while the node is down. Otherwise the order is OpenZeppelin's (code decides), which is
    what the contracts that later see a relayed signature apply."""
    if len(digest) != 32:
        raise ValueError(f"a digest is 32 bytes, got {len(digest)}")
    if key_first and (by_key := _recover_key(signer=signer, digest=digest, signature=signature)).valid:
        return by_key
    if web3 is not None and is_contract(web3, signer):
        return _ask_contract_wallet(web3, signer=signer, digest=digest, signature=signature)
    return _recover_key(signer=signer, digest=digest, signature=signature)


def recovered_address(digest: bytes, signature: bytes) -> str | None:
    """The address whose key made the 65-byte `signature` of `digest`; None if it is no key's signature."""
    if len(signature) != 65:
        return None
    try:
        return str(Account._recover_hash(digest, signature=signature))
    except (BadSignature, ValueError):
        return None


def _recover_key(*, signer: str, digest: bytes, signature: bytes) -> SignatureCheck:
    if len(signature) != 65:
        return SignatureCheck(
            False,
            f"{signer} has no contract code, so it signs with a key: such a signature is 65 bytes, this one is "
            f"{len(signature)}",
        )
    recovered = recovered_address(digest, signature)
    if recovered is None:
        return SignatureCheck(False, "these 65 bytes are not a valid signature")
    if recovered.lower() != signer.lower():
        return SignatureCheck(False, f"it recovers to {recovered}")
    return SignatureCheck(True, f"signed by the key of {recovered}")


def _ask_contract_wallet(web3: Web3, *, signer: str, digest: bytes, signature: bytes) -> SignatureCheck:
    wallet = web3.eth.contract(address=Web3.to_checksum_address(signer), abi=_ERC1271_ABI)
    try:
        with rpc_errors():
            answer = bytes(wallet.functions.isValidSignature(digest, signature).call())
    except Web3Exception as refused:
        # A Safe reverts with its reason (GS026: not signed by enough owners, in ascending order); a contract
        # without ERC-1271 answers nothing the ABI can read.
        return SignatureCheck(False, f"the contract wallet {signer} refused it (ERC-1271: {refused})")
    if answer != ERC1271_MAGIC_VALUE:
        return SignatureCheck(
            False, f"the contract wallet {signer} answered 0x{answer.hex()}, not ERC-1271's 0x1626ba7e"
        )
    return SignatureCheck(True, f"accepted by the contract wallet {signer} (ERC-1271)")
