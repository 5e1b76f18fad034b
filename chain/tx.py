"""The transaction sender: intent row -> build -> sign -> write -> send raw -> receipt; one nonce owner per key.

Every transaction is written (with its signed bytes) before it is broadcast, and found again by its intent:
a retry after a crash rebroadcasts the same bytes instead of signing a second transaction. A transaction
without a receipt after `stuck_after_s` is replaced (same nonce, fees bumped past the 10% nodes require).
A transaction recorded as mined that the chain no longer has (a reorg, or an embedded anvil killed before it
saved its state) is sent again, with its own bytes, before the key sends anything new.
Only the chain queue's worker and `polyphony deploy` send. Each send holds the key's lock for its whole course
(`polyphony.locks`: a PostgreSQL advisory lock, or a file lock beside SQLite) as well as a thread lock: a second
chain worker for the same key, on this machine or another, waits until the first is done or dead, then finishes
whatever the first left unfinished before it sends anything new. So one process at a time owns each key's nonces.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import func
from sqlmodel import Session, col, select
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import TxParams, TxReceipt, Wei

from chain.errors import TxReverted, TxTimeout
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.locks import held_exclusively
from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt, TxStatus

_NONCE_LOCKS: dict[str, threading.Lock] = {}
# How far back a mined transaction is checked for a reorg: anvil saves its state every 10 s, and a real chain
# reorganises far less deep than this.
REORG_WINDOW_BLOCKS = 128


@dataclass(frozen=True)
class Call:
    """What to send: `to=None` creates a contract from `data`."""

    to: str | None
    data: bytes
    value: int = 0


@dataclass(frozen=True)
class SenderPolicy:
    """How patient and how generous the sender is."""

    confirmations: int = 1  # 1 = the receipt's own block is enough
    # anvil under-estimates ERC20Votes transfers after a delegation by 17-22k gas (measured): pad generously.
    gas_padding_percent: int = 20
    gas_padding_min: int = 25_000
    stuck_after_s: float = 30.0
    fee_bump_percent: int = 13
    receipt_timeout_s: float = 300.0
    poll_s: float = 0.1


class TxSender:
    """Sends transactions from one key, each at most once per intent."""

    def __init__(self, web3: Web3, account: LocalAccount, policy: SenderPolicy | None = None) -> None:
        self.web3 = web3
        self.account = account
        self.policy = policy or SenderPolicy()
        self.chain_id = web3.eth.chain_id
        self._lock = _NONCE_LOCKS.setdefault(account.address, threading.Lock())

    def send(self, intent: str, call: Call) -> ChainTransaction:
        """Make `call` happen once under the name `intent`; return the mined transaction or raise."""
        with self._owning_the_key():
            self._resume_unfinished()
            tx = self._find_or_prepare(intent, call)
            if tx.status == TxStatus.SENT:
                tx = self._await_receipt(tx)
        return _final(tx)

    def resume_unfinished(self) -> None:
        """Finish every transaction of this key left without a receipt (a restart) or lost to a reorg: the same
        bytes, in nonce order."""
        with self._owning_the_key():
            self._resume_unfinished()

    @contextmanager
    def _owning_the_key(self) -> Iterator[None]:
        """This thread, alone among every process that shares the database, sends from this key meanwhile."""
        with self._lock, held_exclusively(f"chain-sender:{self.chain_id}:{self.account.address}"):
            yield

    def _resume_unfinished(self) -> None:
        self._reopen_lost()
        with session_scope() as session:
            unfinished = [(tx, _latest_attempt(session, tx).raw) for tx in session.exec(self._unfinished()).all()]
        for tx, raw in unfinished:
            self._broadcast(raw)
            self._await_receipt(tx)

    def _reopen_lost(self) -> None:
        """Mark SENT again each recently mined transaction whose receipt the chain no longer has."""
        since = max(self.web3.eth.block_number - REORG_WINDOW_BLOCKS, 0)
        with session_scope() as session:
            mined = session.exec(
                select(ChainTransaction)
                .where(ChainTransaction.chain_id == self.chain_id, ChainTransaction.sender == self.account.address)
                .where(col(ChainTransaction.status).in_([TxStatus.MINED, TxStatus.REVERTED]))
                .where(col(ChainTransaction.block_number) >= since)
            ).all()
            for tx in mined:
                if tx.tx_hash is not None and self._lost(tx.tx_hash):
                    tx.status, tx.block_number, tx.updated_at = TxStatus.SENT, None, utcnow()
                    session.add(tx)

    def _lost(self, tx_hash: str) -> bool:
        try:
            self.web3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return True
        return False

    def _unfinished(self) -> Any:
        open_statuses = [TxStatus.SIGNED, TxStatus.SENT]
        return (
            select(ChainTransaction)
            .where(ChainTransaction.chain_id == self.chain_id, ChainTransaction.sender == self.account.address)
            .where(col(ChainTransaction.status).in_(open_statuses))
            .order_by(col(ChainTransaction.nonce))
        )

    def _find_or_prepare(self, intent: str, call: Call) -> ChainTransaction:
        with session_scope() as session:
            found = session.exec(
                select(ChainTransaction).where(
                    ChainTransaction.chain_id == self.chain_id, ChainTransaction.intent == intent
                )
            ).first()
            if found is not None:
                return found
            tx = self._prepare(session, intent, call)
        self._broadcast(_attempt_raw(tx))
        return self._set_status(tx, TxStatus.SENT)

    def _prepare(self, session: Session, intent: str, call: Call) -> ChainTransaction:
        gas_limit = self._padded_gas(call)
        tx = ChainTransaction(
            chain_id=self.chain_id,
            intent=intent,
            sender=self.account.address,
            to=call.to,
            data="0x" + call.data.hex(),
            value=str(call.value),
            nonce=self._next_nonce(session),
            gas_limit=gas_limit,
        )
        session.add(tx)
        session.flush()
        priority = self.web3.eth.max_priority_fee
        base = cast(int, self.web3.eth.get_block("latest")["baseFeePerGas"])
        self._sign_attempt(session, tx, max_fee=2 * base + priority, priority=priority)
        return tx

    def _padded_gas(self, call: Call) -> int:
        params = self._params(call)
        try:
            estimate = self.web3.eth.estimate_gas(params)
        except ContractLogicError as error:
            raise TxReverted(f"the contract refuses this call: {error.message}", revert_data=_data(error)) from None
        return estimate + max(estimate * self.policy.gas_padding_percent // 100, self.policy.gas_padding_min)

    def _next_nonce(self, session: Session) -> int:
        on_chain = self.web3.eth.get_transaction_count(self.account.address, "pending")
        highest = session.exec(
            select(func.max(ChainTransaction.nonce)).where(
                ChainTransaction.chain_id == self.chain_id, ChainTransaction.sender == self.account.address
            )
        ).one()
        return max(on_chain, -1 if highest is None else highest + 1)

    def _sign_attempt(self, session: Session, tx: ChainTransaction, *, max_fee: int, priority: int) -> None:
        params: dict[str, Any] = dict(self._params(Call(tx.to, HexBytes(tx.data), int(tx.value))))
        params.update(
            {
                "nonce": tx.nonce,
                "gas": tx.gas_limit,
                "chainId": self.chain_id,
                "type": 2,
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": priority,
            }
        )
        signed = self.account.sign_transaction(params)
        tx.updated_at = utcnow()
        session.add(tx)
        session.add(
            ChainTransactionAttempt(
                transaction_id=cast(int, tx.id),
                tx_hash="0x" + signed.hash.hex().removeprefix("0x"),
                raw="0x" + signed.raw_transaction.hex().removeprefix("0x"),
                max_fee_per_gas=str(max_fee),
                max_priority_fee_per_gas=str(priority),
            )
        )
        session.flush()

    def _params(self, call: Call) -> TxParams:
        params: TxParams = {
            "from": self.account.address,
            "data": HexBytes(call.data),
            "value": Wei(call.value),
        }
        if call.to is not None:
            params["to"] = Web3.to_checksum_address(call.to)
        return params

    def _broadcast(self, raw: str) -> None:
        try:
            self.web3.eth.send_raw_transaction(HexBytes(raw))
        except Web3RPCError as error:
            # The node has it already, or another attempt with this nonce was mined: both mean "sent".
            if not _is_already_sent(str(error)):
                raise

    def _await_receipt(self, tx: ChainTransaction) -> ChainTransaction:
        deadline = time.monotonic() + self.policy.receipt_timeout_s
        last_attempt_at = time.monotonic()
        while time.monotonic() < deadline:
            receipt = self._any_receipt(tx)
            if receipt is not None and self._confirmed(receipt):
                return self._record_receipt(tx, receipt)
            if receipt is None and time.monotonic() - last_attempt_at > self.policy.stuck_after_s:
                self._replace(tx)
                last_attempt_at = time.monotonic()
            time.sleep(self.policy.poll_s)
        raise TxTimeout(f"no receipt for '{tx.intent}' in {self.policy.receipt_timeout_s:g} s; it will be resumed")

    def _any_receipt(self, tx: ChainTransaction) -> TxReceipt | None:
        with session_scope() as session:
            hashes = session.exec(
                select(ChainTransactionAttempt.tx_hash).where(ChainTransactionAttempt.transaction_id == tx.id)
            ).all()
        for tx_hash in hashes:
            try:
                return self.web3.eth.get_transaction_receipt(HexBytes(tx_hash))
            except TransactionNotFound:
                continue
        return None

    def _confirmed(self, receipt: TxReceipt) -> bool:
        return self.web3.eth.block_number - receipt["blockNumber"] + 1 >= self.policy.confirmations

    def _replace(self, tx: ChainTransaction) -> None:
        bump: Callable[[int], int] = lambda fee: fee * (100 + self.policy.fee_bump_percent) // 100 + 1  # noqa: E731
        with session_scope() as session:
            merged = session.merge(tx)
            latest = _latest_attempt(session, merged)
            self._sign_attempt(
                session,
                merged,
                max_fee=bump(int(latest.max_fee_per_gas)),
                priority=bump(int(latest.max_priority_fee_per_gas)),
            )
            raw = _latest_attempt(session, merged).raw
        self._broadcast(raw)

    def _record_receipt(self, tx: ChainTransaction, receipt: TxReceipt) -> ChainTransaction:
        with session_scope() as session:
            merged = session.merge(tx)
            merged.status = TxStatus.MINED if receipt["status"] == 1 else TxStatus.REVERTED
            merged.tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
            merged.block_number = receipt["blockNumber"]
            merged.gas_used = receipt["gasUsed"]
            merged.contract_address = receipt.get("contractAddress")
            merged.updated_at = utcnow()
        return merged

    def _set_status(self, tx: ChainTransaction, status: TxStatus) -> ChainTransaction:
        with session_scope() as session:
            merged = session.merge(tx)
            merged.status = status
        return merged


def _final(tx: ChainTransaction) -> ChainTransaction:
    if tx.status == TxStatus.REVERTED:
        raise TxReverted(f"'{tx.intent}' was mined in block {tx.block_number} but reverted ({tx.tx_hash})")
    return tx


def _latest_attempt(session: Session, tx: ChainTransaction) -> ChainTransactionAttempt:
    return session.exec(
        select(ChainTransactionAttempt)
        .where(ChainTransactionAttempt.transaction_id == tx.id)
        .order_by(col(ChainTransactionAttempt.id).desc())
    ).first()  # type: ignore[return-value]


def _attempt_raw(tx: ChainTransaction) -> str:
    with session_scope() as session:
        return _latest_attempt(session, tx).raw


def _is_already_sent(message: str) -> bool:
    lowered = message.lower()
    return any(sign in lowered for sign in ("already known", "nonce too low", "already imported"))


def _data(error: ContractLogicError) -> str | None:
    return error.data if isinstance(error.data, str) else None
