"""Two processes sending from one key at once, as two chain workers on two machines would: each asks for the same
intents in its own order, and every intent is sent once, with its own nonce, none skipped or used twice."""

import subprocess
import sys
import textwrap
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import select
from web3 import Web3

from polyphony.db import session_scope
from polyphony.models.chain import ChainTransaction, TxStatus

PROJECT = Path(__file__).resolve().parents[3]
INTENTS = 6

# One chain worker: sends every intent of the test (paying the receiver i + 1 wei for intent i), in `order`.
SENDER = textwrap.dedent(
    """
    import sys
    from eth_account import Account
    from chain.client import connect
    from chain.tx import Call, TxSender
    from polyphony.settings import get_settings

    key, receiver, order = sys.argv[1], sys.argv[2], [int(i) for i in sys.argv[3].split(",")]
    sender = TxSender(connect(get_settings().effective_chain_rpc_url), Account.from_key(key))
    for i in order:
        sender.send(f"test:two-senders:{receiver}:{i}", Call(to=receiver, data=b"", value=i + 1))
    """
)


def test_two_senders_for_one_key_send_each_intent_once_with_its_own_nonce(
    web3: Web3, funded_account: LocalAccount
) -> None:
    receiver = Account.create().address
    key = funded_account.key.hex()
    orders = [list(range(INTENTS)), list(reversed(range(INTENTS)))]
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, key, receiver, ",".join(map(str, order))],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for order in orders
    ]
    outputs = [process.communicate(timeout=300)[0].decode() for process in senders]
    assert [process.returncode for process in senders] == [0, 0], outputs

    with session_scope() as session:
        rows = session.exec(select(ChainTransaction).where(ChainTransaction.sender == funded_account.address)).all()
    assert sorted(row.intent for row in rows) == sorted(f"test:two-senders:{receiver}:{i}" for i in range(INTENTS))
    assert sorted(row.nonce for row in rows) == list(range(INTENTS))
    assert all(row.status == TxStatus.MINED for row in rows)
    for row in rows:
        assert web3.eth.get_transaction(row.tx_hash)["nonce"] == row.nonce
    assert web3.eth.get_transaction_count(funded_account.address) == INTENTS
    assert web3.eth.get_balance(receiver) == sum(i + 1 for i in range(INTENTS))
