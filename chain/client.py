"""A Web3 connection from the settings, with timeouts, and the chain's health probe."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import requests
from web3 import HTTPProvider, Web3

from chain.errors import ChainUnavailable
from polyphony.health import Probe
from polyphony.settings import EMBEDDED_CHAIN_ID, Settings

RPC_TIMEOUT_S = 10


def connect(rpc_url: str) -> Web3:
    """A Web3 client for `rpc_url`, with a request timeout so a dead node cannot hang a caller."""
    return Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": RPC_TIMEOUT_S}))


def chain_probe(rpc_url: str) -> Probe:
    """The node answers with its chain id and newest block."""

    def probe() -> str:
        web3 = connect(rpc_url)
        return f"chain id {web3.eth.chain_id}, block {web3.eth.block_number}"

    return probe


@contextmanager
def rpc_errors(rpc_url: str = "the chain node") -> Iterator[None]:
    """Turn a node that cannot be reached into `ChainUnavailable`, with the URL in the message."""
    try:
        yield
    except (requests.ConnectionError, requests.Timeout) as error:
        raise ChainUnavailable(f"cannot reach {rpc_url}: {type(error).__name__}; is the node running?") from None


def served_chain_id(settings: Settings) -> int:
    """The embedded anvil's id, or the configured node's, asked once per process."""
    return _node_chain_id(settings.chain_rpc_url) if settings.chain_rpc_url else EMBEDDED_CHAIN_ID


@lru_cache
def _node_chain_id(rpc_url: str) -> int:
    with rpc_errors(rpc_url):
        return int(connect(rpc_url).eth.chain_id)
