"""EIP-4361 sign-in messages: built, written and read back; every malformed text and every way a message or its
signature must be refused (domain, URI, chain, time, signer)."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chain.siwe import (
    MalformedSignIn,
    SignInExpired,
    SignInIssuedInFuture,
    SignInMessage,
    SignInNotYetValid,
    SignInRejected,
    SignInWrongChain,
    SignInWrongDomain,
    SignInWrongSigner,
    SignInWrongUri,
    message_for,
    parse,
    recover,
    sign,
    terms_for,
    verify,
)

WALLET: LocalAccount = Account.from_key("0x" + "a1" * 32)
STRANGER: LocalAccount = Account.from_key("0x" + "c3" * 32)
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
TERMS = terms_for("http://127.0.0.1:8000", chain_id=31337)
MESSAGE = message_for(WALLET.address, terms=TERMS, nonce="f3a9c01b7d2e4a66", now=NOW, lifetime_s=300)


def test_a_built_message_reads_back_field_for_field() -> None:
    assert parse(MESSAGE.to_text()) == MESSAGE
    assert MESSAGE.domain == "127.0.0.1:8000"
    assert MESSAGE.uri == "http://127.0.0.1:8000"
    assert MESSAGE.expiration_time == NOW + timedelta(seconds=300)


def test_the_text_has_the_standard_layout() -> None:
    assert MESSAGE.to_text().splitlines() == [
        "http://127.0.0.1:8000 wants you to sign in with your Ethereum account:",
        WALLET.address,
        "",
        "Sign in to Polyphony to contribute data and follow what it earns.",
        "",
        "URI: http://127.0.0.1:8000",
        "Version: 1",
        "Chain ID: 31337",
        "Nonce: f3a9c01b7d2e4a66",
        "Issued At: 2025-03-01T12:00:00Z",
        "Expiration Time: 2025-03-01T12:05:00Z",
    ]


def test_every_optional_field_reads_back() -> None:
    text = "\n".join(
        [
            "service.example wants you to sign in with your Ethereum account:",
            WALLET.address,
            "",
            "",
            "URI: https://service.example/login",
            "Version: 1",
            "Chain ID: 10",
            "Nonce: 32891756ab",
            "Issued At: 2025-03-01T11:59:59.123456789+01:00",
            "Expiration Time: 2025-03-02T00:00:00Z",
            "Not Before: 2025-03-01T10:00:00Z",
            "Request ID: req-17",
            "Resources:",
            "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
            "- https://service.example/terms",
        ]
    )
    message = parse(text)
    assert message.scheme is None and message.domain == "service.example"
    assert message.statement is None
    assert message.chain_id == 10
    assert message.issued_at == datetime(2025, 3, 1, 10, 59, 59, 123456, tzinfo=UTC)
    assert message.not_before == datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)
    assert message.request_id == "req-17"
    assert message.resources == (
        "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
        "https://service.example/terms",
    )
    assert parse(message.to_text()) == message


def _lines(replace: int, line: str | None) -> str:
    lines = MESSAGE.to_text().split("\n")
    if line is None:
        del lines[replace]
    else:
        lines[replace] = line
    return "\n".join(lines)


MALFORMED = {
    "empty": "",
    "crlf line ends": MESSAGE.to_text().replace("\n", "\r\n"),
    "trailing line feed": MESSAGE.to_text() + "\n",
    "no header": _lines(0, "127.0.0.1:8000 would like you to sign in"),
    "address not checksummed": _lines(1, WALLET.address.lower()),
    "address too short": _lines(1, WALLET.address[:-2]),
    "no blank line after the address": _lines(2, None),
    "statement on two lines": _lines(3, "Sign in\nplease"),
    "statement with a control character": _lines(3, "Sign in\tplease"),
    "fields out of order": _lines(6, "Chain ID: 31337"),
    "unknown version": _lines(6, "Version: 2"),
    "hex chain id": _lines(7, "Chain ID: 0x7a69"),
    "chain id with a leading zero": _lines(7, "Chain ID: 031337"),
    "nonce too short": _lines(8, "Nonce: abc123"),
    "nonce with punctuation": _lines(8, "Nonce: f3a9c01b-7d2e"),
    "issued-at without a zone": _lines(9, "Issued At: 2025-03-01T12:00:00"),
    "issued-at not a date": _lines(9, "Issued At: 2025-02-30T12:00:00Z"),
    "uri with a space": _lines(5, "URI: http://127.0.0.1:8000/a b"),
    "no uri": _lines(5, None),
    "an extra field": MESSAGE.to_text() + "\nSession: 1",
    "resource without a dash": MESSAGE.to_text() + "\nResources:\nhttps://x.example",
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_message_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(MalformedSignIn):
        parse(text)


def test_a_valid_message_verifies_and_names_its_signer() -> None:
    text = MESSAGE.to_text()
    assert verify(text, signature=sign(text, account=WALLET), terms=TERMS, now=NOW, web3=None) == MESSAGE
    assert recover(text, signature=sign(text, account=WALLET)) == WALLET.address


def test_issued_at_a_few_seconds_ahead_of_our_clock_is_accepted() -> None:
    ahead = dataclasses.replace(MESSAGE, issued_at=NOW + timedelta(seconds=30)).to_text()
    verify(ahead, signature=sign(ahead, account=WALLET), terms=TERMS, now=NOW, web3=None)


REFUSED: dict[str, tuple[SignInMessage, type[SignInRejected]]] = {
    "another domain": (dataclasses.replace(MESSAGE, domain="evil.example"), SignInWrongDomain),
    "another port": (dataclasses.replace(MESSAGE, domain="127.0.0.1:8001"), SignInWrongDomain),
    "another scheme": (dataclasses.replace(MESSAGE, scheme="https"), SignInWrongDomain),
    "uri on another origin": (dataclasses.replace(MESSAGE, uri="http://evil.example/login"), SignInWrongUri),
    "uri on another port": (dataclasses.replace(MESSAGE, uri="http://127.0.0.1:9/"), SignInWrongUri),
    "another chain": (dataclasses.replace(MESSAGE, chain_id=1), SignInWrongChain),
    "expired": (dataclasses.replace(MESSAGE, expiration_time=NOW - timedelta(seconds=1)), SignInExpired),
    "expiring this very second": (dataclasses.replace(MESSAGE, expiration_time=NOW), SignInExpired),
    "not valid yet": (dataclasses.replace(MESSAGE, not_before=NOW + timedelta(minutes=5)), SignInNotYetValid),
    "issued in the future": (dataclasses.replace(MESSAGE, issued_at=NOW + timedelta(hours=1)), SignInIssuedInFuture),
}


@pytest.mark.parametrize(("message", "refusal"), REFUSED.values(), ids=REFUSED.keys())
def test_a_message_signed_for_other_terms_is_refused(message: SignInMessage, refusal: type[SignInRejected]) -> None:
    text = message.to_text()
    with pytest.raises(refusal):
        verify(text, signature=sign(text, account=WALLET), terms=TERMS, now=NOW, web3=None)


def test_a_message_altered_after_signing_is_refused() -> None:
    signature = sign(MESSAGE.to_text(), account=WALLET)
    tampered = dataclasses.replace(MESSAGE, expiration_time=NOW + timedelta(days=365)).to_text()
    with pytest.raises(SignInWrongSigner):
        verify(tampered, signature=signature, terms=TERMS, now=NOW, web3=None)


def test_a_message_naming_one_wallet_signed_by_another_is_refused() -> None:
    text = MESSAGE.to_text()
    with pytest.raises(SignInWrongSigner, match=STRANGER.address):
        verify(text, signature=sign(text, account=STRANGER), terms=TERMS, now=NOW, web3=None)


@pytest.mark.parametrize(
    "signature", [b"", b"\x01" * 64, b"\x00" * 65, b"\xff" * 65], ids=["empty", "short", "zeros", "ff"]
)
def test_bytes_that_are_no_signature_are_refused(signature: bytes) -> None:
    with pytest.raises(SignInWrongSigner):
        verify(MESSAGE.to_text(), signature=signature, terms=TERMS, now=NOW, web3=None)


def test_hosts_compare_without_regard_to_case() -> None:
    terms = terms_for("https://Polyphony.Example", chain_id=31337)
    message = message_for(WALLET.address, terms=terms, nonce="f3a9c01b7d2e4a66", now=NOW, lifetime_s=300)
    shouting = dataclasses.replace(message, domain="POLYPHONY.example", uri="HTTPS://polyphony.EXAMPLE/x").to_text()
    verify(shouting, signature=sign(shouting, account=WALLET), terms=terms, now=NOW, web3=None)
