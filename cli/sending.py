"""A person's own transaction (`--self`, `polyphony model register`): estimated, checked that the wallet can pay
its gas, signed with the wallet's key, sent, and waited for.

The wallet owns its nonces and the backend keeps no row for it (docs/DEVELOPING.md, "Chain writes"). A wallet
that cannot pay is told in one line how much it needs and on which chain, before anything is signed.
"""

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from chain.purse import ether
from chain.tx import Call
from cli.command import CommandFailed
from polyphony.settings import EMBEDDED_CHAIN_ID

GAS_PADDING = 60_000  # anvil under-estimates ERC20Votes moves after a delegation (DESIGN.md)
RECEIPT_TIMEOUT_S = 120


def send_from_wallet(web3: Web3, wallet: LocalAccount, call: Call, *, what: str) -> str:
    """Send `call` from `wallet`, paying its own gas; its transaction hash once mined, or one line saying why not."""
    params = _params(web3, wallet, call, what=what)
    _require_gas(web3, params, what=what)
    signed = wallet.sign_transaction(params)
    try:
        tx_hash = web3.eth.send_raw_transaction(signed.raw_transaction)
    except Web3RPCError as error:
        raise CommandFailed(f"the chain node refused {what}: {error}") from None
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_S)
    hex_hash = "0x" + bytes(tx_hash).hex()
    if receipt["status"] != 1:
        raise CommandFailed(f"{what} reverted in transaction {hex_hash}")
    return hex_hash


def _params(web3: Web3, wallet: LocalAccount, call: Call, *, what: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "from": wallet.address, "to": call.to, "data": call.data, "value": call.value, "chainId": web3.eth.chain_id,
        "nonce": web3.eth.get_transaction_count(wallet.address, "pending"), "gasPrice": web3.eth.gas_price,
    }  # fmt: skip
    # Estimated without a fee, so a wallet with no ether still hears what the call needs rather than a node error.
    unpriced = {name: value for name, value in params.items() if name != "gasPrice"}
    try:
        params["gas"] = web3.eth.estimate_gas(unpriced) + GAS_PADDING  # type: ignore[arg-type]
    except (ContractLogicError, Web3RPCError) as error:  # the node says why the contract would refuse it
        raise CommandFailed(f"the chain would refuse {what}: {error}") from None
    return params


def _require_gas(web3: Web3, params: dict[str, Any], *, what: str) -> None:
    needed = int(params["gas"]) * int(params["gasPrice"]) + int(params["value"])
    balance = int(web3.eth.get_balance(params["from"]))
    if balance >= needed:
        return
    chain_id = int(params["chainId"])
    how = (
        " (on the embedded anvil, give it test ether with `anvil_setBalance`: see the README's tour)"
        if chain_id == EMBEDDED_CHAIN_ID else ""
    )  # fmt: skip
    raise CommandFailed(
        f"{params['from']} holds {ether(balance)} on chain {chain_id}, and {what} needs up to {ether(needed)} for "
        f"gas, which this wallet pays itself: send it ether on chain {chain_id} first{how}"
    )
