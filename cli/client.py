"""A client of the Polyphony API for the CLI and tests: signs in with a wallet key (or as a Safe that key owns),
then keeps the bearer token."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

import httpx
from eth_account.signers.local import LocalAccount

from chain import eip712
from chain.safes import sign_for_safe
from chain.siwe import message_for, sign, signed_digest, terms_for
from polyphony.settings import EMBEDDED_CHAIN_ID

# How long a sign-in message stays valid: long enough for a slow link, short enough to be useless if leaked.
SIGN_IN_LIFETIME_S = 300
# The API answers an upload only once it has checked the format and stored the bytes; JSONL checks run at about
# 31 MB/s on our machines, so the wait for that answer grows with the file (a tenth of that rate, for headroom).
SERVER_CHECK_BYTES_PER_S = 3_000_000


@dataclass(frozen=True)
class Uploaded:
    """The API's answer to an upload: the contribution, and whether this request created it."""

    contribution: dict[str, Any]
    created: bool


class ClientError(Exception):
    """The API refused a request (or could not be reached: `status` None): its stable `code` and its message."""

    def __init__(self, code: str, message: str, status: int | None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.status = status


class PolyphonyClient:
    """Calls the API at `base_url` as the wallet `account`, once `sign_in()` has run; without one, anonymously."""

    def __init__(
        self,
        base_url: str,
        account: LocalAccount | None = None,
        *,
        chain_id: int = EMBEDDED_CHAIN_ID,
        http: httpx.Client | None = None,
        timeout_s: float = 30.0,
        safe: str | None = None,
    ) -> None:
        # The sign-in message names `base_url`: it must be the server's public URL (POLYPHONY_PUBLIC_URL).
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.safe = safe  # a Safe `account` owns: the client signs as the Safe, with that one owner's signature
        self.chain_id = chain_id
        self.http = http or httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self.timeout_s = timeout_s
        self.token: str | None = None

    @property
    def wallet(self) -> LocalAccount:
        """The account this client signs as; an anonymous client has none to sign with."""
        if self.account is None:
            raise ClientError("no_wallet", "this needs a wallet: make the client with the contributor's key", None)
        return self.account

    @property
    def address(self) -> str:
        """Whom this client signs as: the Safe it acts for, else its wallet."""
        return self.safe or self.wallet.address

    def sign_typed(self, typed: dict[str, Any]) -> bytes:
        """This client's signature of EIP-712 `typed`: the wallet's, or the Safe's by its owner."""
        if self.safe is None:
            return eip712.sign(typed, account=self.wallet)
        return sign_for_safe([self.wallet], safe=self.safe, chain_id=self.chain_id, digest=eip712.digest(typed))

    def _sign_text(self, text: str) -> bytes:
        if self.safe is None:
            return sign(text, account=self.wallet)
        return sign_for_safe([self.wallet], safe=self.safe, chain_id=self.chain_id, digest=signed_digest(text))

    def sign_in(self) -> str:
        """Sign in with the account's key (EIP-4361); the bearer token is kept for later calls and returned."""
        self.token = None  # a token kept from before may have gone bad, and every route refuses a bad one
        nonce = self.call("GET", "/auth/nonce")["nonce"]
        terms = terms_for(self.base_url, chain_id=self.chain_id)
        now = datetime.now(UTC)
        message = message_for(self.address, terms=terms, nonce=nonce, now=now, lifetime_s=SIGN_IN_LIFETIME_S).to_text()
        signature = "0x" + self._sign_text(message).hex()
        token = str(self.call("POST", "/auth/login", json={"message": message, "signature": signature})["access_token"])
        self.token = token
        return token

    def me(self) -> str:
        """The address the kept token signs in as."""
        return str(self.call("GET", "/auth/me")["address"])

    def upload(
        self, path: Path, *, form: dict[str, str], idempotency_key: str, on_read: Callable[[int], None] | None = None
    ) -> Uploaded:
        """Stream the file at `path` with its metadata `form`; `on_read` hears how many bytes have gone so far."""
        size = path.stat().st_size
        timeout = httpx.Timeout(self.timeout_s, read=self.timeout_s + size / SERVER_CHECK_BYTES_PER_S)
        with path.open("rb") as file:
            body = ReportedReads(file, on_read or (lambda _sent: None))
            response = self._request(
                "POST", "/contributions", data=form, timeout=timeout,
                files={"file": (path.name, body, "application/octet-stream")},
                headers={"Idempotency-Key": idempotency_key},
            )  # fmt: skip
        return Uploaded(contribution=response.json(), created=response.status_code == 201)

    def claim(self, contribution_id: int, *, sha256: str, consent_sha256: str) -> dict[str, Any]:
        """Sign the claim the API offers for `contribution_id` and hand it in; the claimed contribution.

        The typed data is checked first: this wallet signs only a claim over the bytes and consent it sent.
        """
        typed = self.call("GET", f"/contributions/{contribution_id}/claim")
        _check_claim(typed, contributor=self.address, sha256=sha256, consent_sha256=consent_sha256)
        signature = "0x" + self.sign_typed(typed).hex()
        claimed: dict[str, Any] = self.call(
            "POST", f"/contributions/{contribution_id}/claim", json={"signature": signature}
        )
        return claimed

    def contribution(self, contribution_id: int) -> dict[str, Any]:
        """The contribution `contribution_id` with its status timeline."""
        found: dict[str, Any] = self.call("GET", f"/contributions/{contribution_id}")
        return found

    def every(self, path: str, **params: Any) -> list[Any]:
        """Every item of the list at `path`, page after page (each list answers {items, total, offset, limit})."""
        items: list[Any] = []
        while True:
            page = self.call("GET", path, params={**params, "offset": len(items)})
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    def call(self, method: str, path: str, **request: Any) -> Any:
        """The JSON answer of one API request, with the bearer token if signed in; raise `ClientError` on an error."""
        return self._request(method, path, **request).json()

    def _request(self, method: str, path: str, **request: Any) -> httpx.Response:
        headers = {**request.pop("headers", {}), **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        try:
            response = self.http.request(method, path, headers=headers, **request)
        except httpx.TransportError as error:
            raise ClientError("unreachable", f"cannot reach {self.base_url}: {error}", None) from None
        if response.is_error:
            raise _client_error(response)
        return response

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


def _client_error(response: httpx.Response) -> ClientError:
    try:
        error = response.json()["error"]
        return ClientError(str(error["code"]), str(error["message"]), response.status_code)
    except (ValueError, KeyError, TypeError):
        # Not our error shape: a proxy or load balancer answered.
        return ClientError("http_error", f"HTTP {response.status_code}: {response.text[:200]}", response.status_code)


class ReportedReads:
    """A binary file that tells `on_read` how far it has been read: httpx reads a chunk only once it has sent
    the one before, so this follows the bytes actually sent. It keeps `fileno`, so httpx still sends a
    Content-Length and the API can refuse an oversized file before the first byte."""

    def __init__(self, file: BinaryIO, on_read: Callable[[int], None]) -> None:
        self.file = file
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        """Read like the file does, then report the position reached."""
        chunk = self.file.read(size)
        self.on_read(self.file.tell())
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move like the file does."""
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        """The file's position."""
        return self.file.tell()

    def fileno(self) -> int:
        """The file's descriptor, for its size."""
        return self.file.fileno()


def _check_claim(typed: dict[str, Any], *, contributor: str, sha256: str, consent_sha256: str) -> None:
    # Signing whatever a server offers could sign away something else (a token Permit, say): check it first.
    if typed.get("primaryType") != "ContributionClaim":
        raise _claim_mismatch(f"the API offers {typed.get('primaryType')!r} typed data, not a ContributionClaim")
    message = typed.get("message", {})
    expected = {"contributor": contributor, "contentSha256": "0x" + sha256, "consentHash": "0x" + consent_sha256}
    for name, value in expected.items():
        if str(message.get(name, "")).lower() != value.lower():
            raise _claim_mismatch(f"the claim the API offers has {name} {message.get(name)!r}, not {value!r}")


def _claim_mismatch(problem: str) -> ClientError:
    return ClientError("claim_mismatch", f"{problem}: this wallet does not sign it", None)
