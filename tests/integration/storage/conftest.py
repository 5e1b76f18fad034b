"""The IPFS node the Kubo backend tests run against: the one at IPFS_API_URL, or a js-ipfs node started here."""

from collections.abc import Iterator

import pytest

from polyphony.settings import Settings
from tests.support.ipfs_node import ipfs_node


@pytest.fixture(scope="session")
def ipfs_api_url(settings: Settings) -> Iterator[str]:
    if settings.ipfs_api_url:
        yield settings.ipfs_api_url
        return
    with ipfs_node() as url:
        yield url
