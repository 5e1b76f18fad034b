"""Sign-In with Ethereum (EIP-4361): the text a wallet signs to prove it holds an address; built, parsed, checked.

A small strict parser of our own rather than the `siwe` package: the format is a dozen fixed lines, while `siwe`
4.4 pins web3 and eth-account below their next majors and silently breaks with abnf 2.9, pins we would carry
for one parser. What `siwe` leaves to its caller (the URI's origin, the chain id, issued-at in the future) is
checked here too. A plain wallet signs the text with EIP-191 `personal_sign`; a contract wallet such as a Safe
signs in as EIP-4361 says, by accepting the EIP-191 hash of the text through ERC-1271 (chain/signatures.py).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account.messages import defunct_hash_message, encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.signatures import check_signature, recovered_address
from polyphony.errors import BadRequest, Unauthorized

VERSION = "1"
STATEMENT = "Sign in to Polyphony to contribute data and follow what it earns."
# Wallet and server clocks differ by a few seconds; more than this is a message from the future.
ISSUED_AT_SKEW = timedelta(seconds=60)

_HEADER_END = " wants you to sign in with your Ethereum account:"
# The character classes of EIP-4361's ABNF, which takes them from RFC 3986.
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
_PCHAR = r"A-Za-z0-9\-._~%!$&'()*+,;=:@"
_HEADER = re.compile(rf"(?:(?P<scheme>{_SCHEME})://)?(?P<domain>[{_PCHAR}\[\]]+){re.escape(_HEADER_END)}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_STATEMENT = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;= ]+")
_URI = re.compile(rf"{_SCHEME}:[{_PCHAR}/?#\[\]]+")
_VERSION = re.compile(re.escape(VERSION))
_CHAIN_ID = re.compile(r"[1-9][0-9]{0,19}")
_NONCE = re.compile(r"[A-Za-z0-9]{8,}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_REQUEST_ID = re.compile(rf"[{_PCHAR}]*")
_BLANK = re.compile("")


class MalformedSignIn(BadRequest):
    code = "siwe_malformed"


class SignInRejected(Unauthorized):
    code = "siwe_rejected"


class SignInWrongDomain(SignInRejected):
    code = "siwe_wrong_domain"


class SignInWrongUri(SignInRejected):
    code = "siwe_wrong_uri"


class SignInWrongChain(SignInRejected):
    code = "siwe_wrong_chain"


class SignInExpired(SignInRejected):
    code = "siwe_expired"


class SignInNotYetValid(SignInRejected):
    code = "siwe_not_yet_valid"


class SignInIssuedInFuture(SignInRejected):
    code = "siwe_issued_in_future"


class SignInWrongSigner(SignInRejected):
    code = "siwe_wrong_signer"


@dataclass(frozen=True)
class SignInMessage:
    """The fields of an EIP-4361 message, in the order the standard writes them."""

    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    statement: str | None = None
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = ()
    scheme: str | None = None
    version: str = VERSION

    def to_text(self) -> str:
        """The exact text the wallet signs."""
        origin = f"{self.scheme}://{self.domain}" if self.scheme else self.domain
        lines = [f"{origin}{_HEADER_END}", self.address, ""]
        lines += [self.statement, ""] if self.statement is not None else [""]
        lines += [f"URI: {self.uri}", f"Version: {self.version}", f"Chain ID: {self.chain_id}"]
        lines += [f"Nonce: {self.nonce}", f"Issued At: {_rfc3339(self.issued_at)}"]
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {_rfc3339(self.expiration_time)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {_rfc3339(self.not_before)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines += ["Resources:", *(f"- {resource}" for resource in self.resources)]
        return "\n".join(lines)


@dataclass(frozen=True)
class SignInTerms:
    """What this server accepts: messages for its domain and origin, on the chain it serves."""

    domain: str
    origin: str
    chain_id: int


def terms_for(public_url: str, *, chain_id: int) -> SignInTerms:
    """The terms of a server reached at `public_url` (scheme://host[:port]) serving chain `chain_id`."""
    parts = urlsplit(public_url)
    return SignInTerms(parts.netloc.lower(), _origin(public_url), chain_id)


def message_for(address: str, *, terms: SignInTerms, nonce: str, now: datetime, lifetime_s: int) -> SignInMessage:
    """The message a client signs to sign in to the server of `terms`, valid `lifetime_s` from `now`."""
    issued_at = now.astimezone(UTC).replace(microsecond=0)
    return SignInMessage(
        scheme=urlsplit(terms.origin).scheme,
        domain=terms.domain,
        address=Web3.to_checksum_address(address),
        statement=STATEMENT,
        uri=terms.origin,
        chain_id=terms.chain_id,
        nonce=nonce,
        issued_at=issued_at,
        expiration_time=issued_at + timedelta(seconds=lifetime_s),
    )


def sign(text: str, *, account: LocalAccount) -> bytes:
    """`account`'s 65-byte EIP-191 signature of `text`, as a wallet's `personal_sign` returns it."""
    return bytes(account.sign_message(encode_defunct(text=text)).signature)


def signed_digest(text: str) -> bytes:
    """The 32-byte EIP-191 hash of `text`: what a key signs, and what a contract wallet is asked to accept."""
    return bytes(defunct_hash_message(text=text))


def recover(text: str, *, signature: bytes) -> str:
    """The checksum address whose key signed `text`; raise `SignInWrongSigner` if it is no key's signature."""
    if len(signature) != 65:
        raise SignInWrongSigner(f"a key's signature is 65 bytes, this one is {len(signature)}: sign the message again")
    recovered = recovered_address(signed_digest(text), signature)
    if recovered is None:
        raise SignInWrongSigner("this is not a valid signature: sign the message again")
    return recovered


def verify(text: str, *, signature: bytes, terms: SignInTerms, now: datetime, web3: Web3 | None) -> SignInMessage:
    """The message in `text`; raise unless it is for `terms`, valid at `now`, and signed by its address: by its
    key, or through ERC-1271 if the address is a contract wallet on the chain `web3` reaches (None: keys only)."""
    message = parse(text)
    _check_audience(message, terms=terms)
    _check_time(message, now=now)
    digest = signed_digest(text)
    check = check_signature(web3, signer=message.address, digest=digest, signature=signature, key_first=True)
    if not check.valid:
        raise SignInWrongSigner(
            f"this message names {message.address} but its signature does not hold ({check.found}), or the "
            "message was altered after signing: sign the exact message text with the wallet it names"
        )
    return message


def _check_audience(message: SignInMessage, *, terms: SignInTerms) -> None:
    scheme = urlsplit(terms.origin).scheme
    if message.domain.lower() != terms.domain:
        raise SignInWrongDomain(
            f"this message signs in to the domain {message.domain}, not {terms.domain}: build it for this server"
        )
    if (message.scheme or scheme).lower() != scheme:
        raise SignInWrongDomain(
            f"this message signs in to {terms.domain} over {message.scheme}, but this server is served over "
            f"{scheme}: build it for this server"
        )
    if _origin(message.uri) != terms.origin:
        raise SignInWrongUri(f"this message's URI {message.uri} is not on {terms.origin}: build it for this server")
    if message.chain_id != terms.chain_id:
        raise SignInWrongChain(
            f"this message is for chain {message.chain_id}; this server serves chain {terms.chain_id}"
        )


def _check_time(message: SignInMessage, *, now: datetime) -> None:
    if message.expiration_time is not None and now >= message.expiration_time:
        raise SignInExpired(
            f"this message expired at {_rfc3339(message.expiration_time)}: ask for a new nonce and sign again"
        )
    if message.not_before is not None and now < message.not_before:
        raise SignInNotYetValid(f"this message is valid from {_rfc3339(message.not_before)} only: try again then")
    if message.issued_at > now + ISSUED_AT_SKEW:
        raise SignInIssuedInFuture(
            f"this message claims to be issued at {_rfc3339(message.issued_at)}, later than now "
            f"({_rfc3339(now)}): check the signing device's clock"
        )


def parse(text: str) -> SignInMessage:
    """The fields of EIP-4361 message `text`; raise `MalformedSignIn` on anything the standard does not allow."""
    reader = _Reader(text)
    header = reader.matching(_HEADER, what="'<domain> wants you to sign in with your Ethereum account:'")
    address = reader.matching(_ADDRESS, what="an address (0x and 40 hex digits)").group()
    if not Web3.is_checksum_address(address):
        raise MalformedSignIn(f"the address {address} must be written with its EIP-55 checksum (mixed case)")
    reader.matching(_BLANK, what="an empty line")
    statement = None if reader.peek() == "" else reader.matching(_STATEMENT, what="a one-line statement").group()
    reader.matching(_BLANK, what="an empty line")
    message = SignInMessage(
        scheme=header["scheme"],
        domain=header["domain"],
        address=address,
        statement=statement,
        uri=reader.field("URI", _URI),
        version=reader.field("Version", _VERSION),
        chain_id=int(reader.field("Chain ID", _CHAIN_ID)),
        nonce=reader.field("Nonce", _NONCE),
        issued_at=_datetime(reader.field("Issued At", _DATETIME)),
        expiration_time=_optional_datetime(reader.optional_field("Expiration Time", _DATETIME)),
        not_before=_optional_datetime(reader.optional_field("Not Before", _DATETIME)),
        request_id=reader.optional_field("Request ID", _REQUEST_ID),
        resources=reader.resources(),
    )
    reader.end()
    return message


class _Reader:
    """The lines of a message, consumed in order, each checked against what the standard puts there."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            raise MalformedSignIn("the message's lines must end with a line feed alone, not CR LF")
        self.lines = text.split("\n")
        self.at = 0

    def peek(self) -> str | None:
        return self.lines[self.at] if self.at < len(self.lines) else None

    def matching(self, pattern: re.Pattern[str], *, what: str) -> re.Match[str]:
        line = self.peek()
        match = None if line is None else pattern.fullmatch(line)
        if match is None:
            found = "the end of the message" if line is None else repr(line[:80])
            raise MalformedSignIn(f"line {self.at + 1} of the message must be {what}, found {found}")
        self.at += 1
        return match

    def field(self, tag: str, pattern: re.Pattern[str]) -> str:
        line = self.peek() or ""
        value = line.removeprefix(f"{tag}: ")
        if value == line or not pattern.fullmatch(value):
            raise MalformedSignIn(
                f"line {self.at + 1} of the message must be a valid '{tag}: ...', found {line[:80]!r}"
            )
        self.at += 1
        return value

    def optional_field(self, tag: str, pattern: re.Pattern[str]) -> str | None:
        line = self.peek()
        return self.field(tag, pattern) if line is not None and line.startswith(f"{tag}: ") else None

    def resources(self) -> tuple[str, ...]:
        if self.peek() != "Resources:":
            return ()
        self.at += 1
        found = []
        while (line := self.peek()) is not None:
            resource = line.removeprefix("- ")
            if resource == line or not _URI.fullmatch(resource):
                raise MalformedSignIn(f"line {self.at + 1} of the message must be '- <URI>', found {line[:80]!r}")
            found.append(resource)
            self.at += 1
        return tuple(found)

    def end(self) -> None:
        if self.peek() is not None:
            raise MalformedSignIn(f"line {self.at + 1} of the message is not part of EIP-4361: {self.peek()!r}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _datetime(value: str) -> datetime:
    # Python 3.11 reads at most 6 fractional digits; RFC 3339 allows any number.
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        return datetime.fromisoformat(trimmed)
    except ValueError:
        raise MalformedSignIn(f"{value} is not an RFC 3339 date and time") from None


def _optional_datetime(value: str | None) -> datetime | None:
    return None if value is None else _datetime(value)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
