"""A Web3 connection from the settings, with timeouts, and the chain's health probe."""

from web3 import HTTPProvider, Web3

from polyphony.health import Probe

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
