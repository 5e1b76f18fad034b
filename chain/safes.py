"""What a Safe's owner signs for the Safe to accept a hash, as Safe 1.3 and 1.4's CompatibilityFallbackHandler
checks it: the EIP-712 `SafeMessage(bytes message)` whose message is the 32-byte hash, under the domain
`{chainId, verifyingContract: the Safe}`. The Safe's signature is its owners' signatures of that, in ascending
order of their addresses; chain/signatures.py asks the Safe whether it accepts one.
"""

from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from web3 import Web3

SAFE_MSG_TYPEHASH = Web3.keccak(text="SafeMessage(bytes message)")
DOMAIN_SEPARATOR_TYPEHASH = Web3.keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")


def safe_message_hash(safe: str, *, chain_id: int, digest: bytes) -> bytes:
    """The hash each owner of the Safe at `safe` on chain `chain_id` signs for the Safe to accept `digest`."""
    domain = encode(["bytes32", "uint256", "address"], [DOMAIN_SEPARATOR_TYPEHASH, chain_id, safe])
    message = encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, Web3.keccak(digest)])  # keccak(abi.encode(hash))
    return bytes(Web3.keccak(b"\x19\x01" + Web3.keccak(domain) + Web3.keccak(message)))


def sign_for_safe(owners: list[LocalAccount], *, safe: str, chain_id: int, digest: bytes) -> bytes:
    """The Safe's signature of `digest` by `owners` (as many as its threshold): theirs, sorted as Safe wants."""
    signed = Hash32(safe_message_hash(Web3.to_checksum_address(safe), chain_id=chain_id, digest=digest))
    in_order = sorted(owners, key=lambda owner: int(owner.address, 16))
    return b"".join(bytes(owner.unsafe_sign_hash(signed).signature) for owner in in_order)
