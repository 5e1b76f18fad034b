"""The CLI's API client against the API process `polyphony up` runs: sign in with a key, then call as it."""

from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from sqlalchemy.engine import Engine

from cli.client import ClientError, PolyphonyClient
from cli.stack import Stack, api_part
from polyphony.settings import Settings

WALLET: LocalAccount = Account.from_key("0x" + "d4" * 32)


@pytest.fixture(scope="module")
def api_url(settings: Settings, redis_url: str, engine: Engine) -> Iterator[str]:
    """The API process alone, stopped when this module is done."""
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield settings.effective_public_url
    api.stop_all()


def test_the_client_signs_in_and_calls_as_its_wallet(api_url: str) -> None:
    with PolyphonyClient(api_url, WALLET) as client:
        token = client.sign_in()
        assert token == client.token
        assert client.me() == WALLET.address


def test_an_api_refusal_becomes_a_client_error_with_its_code(api_url: str) -> None:
    with PolyphonyClient(api_url, WALLET) as client, pytest.raises(ClientError) as refused:
        client.me()
    assert (refused.value.code, refused.value.status) == ("missing_token", 401)
    assert "Authorization: Bearer" in refused.value.message


def test_a_client_for_another_chain_is_told_which_chain_this_server_serves(api_url: str) -> None:
    with PolyphonyClient(api_url, WALLET, chain_id=1) as client, pytest.raises(ClientError) as refused:
        client.sign_in()
    assert refused.value.code == "siwe_wrong_chain"
    assert "31337" in refused.value.message


def test_a_server_that_is_not_there_is_unreachable() -> None:
    with PolyphonyClient("http://127.0.0.1:9", WALLET, timeout_s=2) as client, pytest.raises(ClientError) as failed:
        client.sign_in()
    assert (failed.value.code, failed.value.status) == ("unreachable", None)
