"""The Kubo RPC URL people configure, turned into the multiaddr and base path the RPC client wants."""

import re

import pytest

from polyphony.storage.errors import StorageUnavailable
from polyphony.storage.kubo import KuboStorage, _multiaddr_and_base


@pytest.mark.parametrize(
    ("url", "address", "base"),
    [
        ("http://127.0.0.1:5001", "/ip4/127.0.0.1/tcp/5001/http", "api/v0"),
        ("http://127.0.0.1:5001/", "/ip4/127.0.0.1/tcp/5001/http", "api/v0"),
        ("http://[::1]:5001", "/ip6/::1/tcp/5001/http", "api/v0"),
        ("https://ipfs.example.org", "/dns/ipfs.example.org/tcp/443/https", "api/v0"),
        ("https://ipfs.example.org/rpc/", "/dns/ipfs.example.org/tcp/443/https", "rpc/api/v0"),
        ("http://ipfs:5001/api/v0", "/dns/ipfs/tcp/5001/http", "api/v0"),
    ],
)
def test_urls_become_multiaddrs(url: str, address: str, base: str) -> None:
    assert _multiaddr_and_base(url) == (address, base)


@pytest.mark.parametrize("url", ["127.0.0.1:5001", "ftp://127.0.0.1", "/ip4/127.0.0.1/tcp/5001"])
def test_anything_but_an_http_url_is_refused_with_an_example(url: str) -> None:
    with pytest.raises(StorageUnavailable, match=re.escape("http://127.0.0.1:5001")):
        KuboStorage(url)
