"""The transaction sender on anvil: once per intent, resent byte for byte after a crash, replaced when stuck."""

from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import col, select
from web3 import Web3

from chain.client import connect, rpc_errors
from chain.errors import ChainUnavailable, TxReverted
from chain.tx import Call, SenderPolicy, TxSender
from polyphony.db import session_scope
from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt, TxStatus

# Init code that reverts at once: PUSH1 0, PUSH1 0, REVERT.
REVERTING_INIT_CODE = bytes.fromhex("60006000fd")


def _transfer(to: str, wei: int = 1) -> Call:
    return Call(to=to, data=b"", value=wei)


def _attempts(intent: str) -> list[ChainTransactionAttempt]:
    with session_scope() as session:
        tx = session.exec(select(ChainTransaction).where(ChainTransaction.intent == intent)).one()
        # In the order they were made: without ORDER BY, PostgreSQL may answer updated rows in another order.
        query = select(ChainTransactionAttempt).where(ChainTransactionAttempt.transaction_id == tx.id)
        return list(session.exec(query.order_by(col(ChainTransactionAttempt.id))))


def test_an_intent_is_sent_once_however_often_it_is_asked(web3: Web3, funded_account: LocalAccount) -> None:
    sender = TxSender(web3, funded_account)
    receiver = Account.create().address
    intent = f"test:pay:{receiver}"
    first = sender.send(intent, _transfer(receiver, 5))
    again = sender.send(intent, _transfer(receiver, 5))
    assert first.status == TxStatus.MINED and again.tx_hash == first.tx_hash
    assert web3.eth.get_balance(receiver) == 5
    assert web3.eth.get_transaction_count(funded_account.address) == 1


def test_a_transaction_signed_before_a_crash_is_resent_byte_for_byte(web3: Web3, funded_account: LocalAccount) -> None:
    receiver = Account.create().address
    with session_scope() as session:  # the process writes and signs, then dies before broadcasting
        TxSender(web3, funded_account)._prepare(session, f"test:crash:{receiver}", _transfer(receiver, 7))
    [signed] = _attempts(f"test:crash:{receiver}")
    assert web3.eth.get_balance(receiver) == 0

    TxSender(web3, funded_account).send(f"test:after:{receiver}", _transfer(receiver, 1))
    assert web3.eth.get_balance(receiver) == 8
    assert _attempts(f"test:crash:{receiver}") == [signed]
    assert web3.eth.get_transaction(signed.tx_hash)["nonce"] == 0
    assert web3.eth.get_transaction_count(funded_account.address) == 2


@pytest.fixture
def manual_mining(web3: Web3) -> Iterator[None]:
    web3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    yield
    web3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


@pytest.mark.usefixtures("manual_mining")
def test_a_stuck_transaction_is_replaced_with_higher_fees_and_the_same_nonce(
    web3: Web3, funded_account: LocalAccount
) -> None:
    receiver = Account.create().address
    intent = f"test:stuck:{receiver}"
    sender = TxSender(web3, funded_account, SenderPolicy(stuck_after_s=0.3, receipt_timeout_s=1.5))
    with pytest.raises(Exception, match="no receipt"):
        sender.send(intent, _transfer(receiver, 3))
    attempts = _attempts(intent)
    assert len(attempts) >= 2
    assert int(attempts[-1].max_fee_per_gas) > int(attempts[0].max_fee_per_gas) * 110 // 100

    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    mined = sender.send(intent, _transfer(receiver, 3))
    assert mined.status == TxStatus.MINED and mined.tx_hash in {a.tx_hash for a in _attempts(intent)}
    assert web3.eth.get_balance(receiver) == 3
    assert web3.eth.get_transaction_count(funded_account.address) == 1


def test_a_call_the_contract_refuses_raises_and_writes_nothing(web3: Web3, funded_account: LocalAccount) -> None:
    with pytest.raises(TxReverted):
        TxSender(web3, funded_account).send("test:refused", Call(None, REVERTING_INIT_CODE))
    with session_scope() as session:
        assert session.exec(select(ChainTransaction).where(ChainTransaction.intent == "test:refused")).first() is None


def test_an_unreachable_node_is_chain_unavailable() -> None:
    with pytest.raises(ChainUnavailable, match=r"127\.0\.0\.1:9"), rpc_errors("http://127.0.0.1:9"):
        connect("http://127.0.0.1:9").eth.chain_id  # noqa: B018
