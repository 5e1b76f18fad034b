"""A client of the Polyphony API for the CLI and tests: signs in with a wallet key, then keeps the bearer token."""

from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx
from eth_account.signers.local import LocalAccount

from chain.siwe import message_for, sign, terms_for
from polyphony.settings import EMBEDDED_CHAIN_ID

# How long a sign-in message stays valid: long enough for a slow link, short enough to be useless if leaked.
SIGN_IN_LIFETIME_S = 300


class ClientError(Exception):
    """The API refused a request (or could not be reached: `status` None): its stable `code` and its message."""

    def __init__(self, code: str, message: str, status: int | None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.status = status


class PolyphonyClient:
    """Calls the API at `base_url` as the wallet `account`, once `sign_in()` has run."""

    def __init__(
        self,
        base_url: str,
        account: LocalAccount,
        *,
        chain_id: int = EMBEDDED_CHAIN_ID,
        http: httpx.Client | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        # The sign-in message names `base_url`: it must be the server's public URL (POLYPHONY_PUBLIC_URL).
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.chain_id = chain_id
        self.http = http or httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self.token: str | None = None

    def sign_in(self) -> str:
        """Sign in with the account's key (EIP-4361); the bearer token is kept for later calls and returned."""
        nonce = self.call("GET", "/auth/nonce")["nonce"]
        terms = terms_for(self.base_url, chain_id=self.chain_id)
        now = datetime.now(UTC)
        message = message_for(
            self.account.address, terms=terms, nonce=nonce, now=now, lifetime_s=SIGN_IN_LIFETIME_S
        ).to_text()
        signature = "0x" + sign(message, account=self.account).hex()
        token = str(self.call("POST", "/auth/login", json={"message": message, "signature": signature})["access_token"])
        self.token = token
        return token

    def me(self) -> str:
        """The address the kept token signs in as."""
        return str(self.call("GET", "/auth/me")["address"])

    def call(self, method: str, path: str, **request: Any) -> Any:
        """The JSON answer of one API request, with the bearer token if signed in; raise `ClientError` on an error."""
        headers = {**request.pop("headers", {}), **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        try:
            response = self.http.request(method, path, headers=headers, **request)
        except httpx.TransportError as error:
            raise ClientError("unreachable", f"cannot reach {self.base_url}: {error}", None) from None
        if response.is_error:
            raise _client_error(response)
        return response.json()

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
