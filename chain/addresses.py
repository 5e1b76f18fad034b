"""Ethereum addresses as the product keeps them: checksummed (EIP-55), or refused with a clear 400."""

from eth_typing import ChecksumAddress
from web3 import Web3

from chain.errors import InvalidAddress


def checksum_address(address: str, *, what: str = "address") -> ChecksumAddress:
    """`address` in its checksum form; `InvalidAddress` (400) naming `what` when it is no address."""
    if not Web3.is_address(address):
        raise InvalidAddress(f"the {what} '{address}' is not an Ethereum address (0x and 40 hex digits)")
    return Web3.to_checksum_address(address)
