"""A signed-in contributor for the API tests: a fresh wallet, through the real API and Redis."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.main import create_app
from chain.bindings import Deployment
from cli.client import PolyphonyClient
from polyphony.settings import Settings


@contextmanager
def _signed_in(settings: Settings) -> Iterator[PolyphonyClient]:
    http = TestClient(create_app(), base_url=settings.effective_public_url)
    with PolyphonyClient(settings.effective_public_url, Account.create(), http=http) as client:
        client.sign_in()
        yield client


@pytest.fixture
def contributor(settings: Settings, deployment: Deployment, redis_url: str) -> Iterator[PolyphonyClient]:
    """A fresh wallet, signed in through the real API."""
    with _signed_in(settings) as client:
        yield client


@pytest.fixture
def stranger(settings: Settings, deployment: Deployment, redis_url: str) -> Iterator[PolyphonyClient]:
    """Another fresh wallet, signed in: someone who owns none of `contributor`'s contributions."""
    with _signed_in(settings) as client:
        yield client
