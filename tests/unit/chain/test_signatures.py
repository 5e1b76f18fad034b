"""The key half of "does this address sign this digest", with no chain; the contract-wallet half (ERC-1271,
real Safes on anvil) is tested in tests/integration/governance/test_safe_wallets.py."""

from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.providers.base import BaseProvider

from chain.signatures import check_signature, recovered_address

KEY = Account.from_key("0x" + "a1" * 32)
OTHER = Account.from_key("0x" + "b2" * 32)
DIGEST = bytes(range(32))


class _NoChain(BaseProvider):
    """A node that must not be asked: any request fails the test."""

    def make_request(self, method: Any, params: Any) -> Any:
        raise AssertionError(f"the chain was asked ({method})")


def _signed(account: Any = KEY, digest: bytes = DIGEST) -> bytes:
    return bytes(account.unsafe_sign_hash(digest).signature)


def test_a_keys_signature_holds_without_a_chain() -> None:
    check = check_signature(None, signer=KEY.address, digest=DIGEST, signature=_signed())
    assert check.valid and KEY.address in check.found
    assert recovered_address(DIGEST, _signed()) == KEY.address


def test_another_keys_signature_says_whom_it_recovers_to() -> None:
    check = check_signature(None, signer=KEY.address, digest=DIGEST, signature=_signed(OTHER))
    assert not check.valid and OTHER.address in check.found


@pytest.mark.parametrize("signature", [b"", b"\x01" * 64, b"\x01" * 130, b"\x00" * 65], ids=["0", "64", "130", "zeros"])
def test_bytes_that_are_no_keys_signature_do_not_hold(signature: bytes) -> None:
    check = check_signature(None, signer=KEY.address, digest=DIGEST, signature=signature)
    assert not check.valid and check.found
    assert recovered_address(DIGEST, signature) is None


def test_key_first_does_not_ask_the_chain_when_the_key_signed() -> None:
    no_chain = Web3(_NoChain())
    check = check_signature(no_chain, signer=KEY.address, digest=DIGEST, signature=_signed(), key_first=True)
    assert check.valid
    with pytest.raises(AssertionError, match="eth_getCode"):  # not the key's: is it a contract wallet's?
        check_signature(no_chain, signer=KEY.address, digest=DIGEST, signature=_signed(OTHER), key_first=True)
    with pytest.raises(AssertionError, match="eth_getCode"):  # OpenZeppelin's order: code decides first
        check_signature(no_chain, signer=KEY.address, digest=DIGEST, signature=_signed())


def test_a_digest_is_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        check_signature(None, signer=KEY.address, digest=b"short", signature=_signed())
