"""The event indexer: contract events into the database under a named cursor, resumable and reorg-safe.

A pass reads at most `batch_blocks` blocks past the cursor, never nearer the head than `confirmations`, and
stores the decoded events with the cursor's new position in the caller's transaction: a crash keeps the whole
pass or none of it. First, the pass checks that the cursor's block still has the hash it was indexed with; if
the chain was reorganised below the cursor, it walks back the cursor's checkpoints (where its recent passes
ended) to the newest block the node agrees with, deletes the events above it, and reads on from there.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eth_typing import ABI, ABIEvent, ChecksumAddress, HexStr
from eth_utils.abi import event_abi_to_log_topic
from sqlmodel import Session, col, delete, select
from web3 import Web3
from web3.contract.contract import ContractEvent
from web3.exceptions import BlockNotFound
from web3.types import LogReceipt

from chain.bindings import ARTIFACT_OF, load_artifact, read_deployment
from chain.client import rpc_errors
from chain.errors import WrongChain
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.indexer import ChainEvent, IndexerCheckpoint, IndexerCursor

log = logging.getLogger(__name__)

# Enough passes to find a common ancestor after any reorg a sane confirmation depth lets through; beyond it,
# the cursor starts again from its first block (slow, but still correct).
CHECKPOINTS_KEPT = 64
# The cursor that follows every contract of the deployment file.
DEPLOYMENT_CURSOR = "deployment"
# JavaScript's Number.MAX_SAFE_INTEGER: a client parsing the JSON would round anything larger.
MAX_SAFE_INTEGER = 2**53 - 1

EventKey = tuple[ChecksumAddress, bytes]  # (checksum contract address, topic 0)
# Contract address -> its ABI (or only the events wanted); a Mapping's key type is invariant, hence both.
Contracts = Mapping[str, ABI] | Mapping[ChecksumAddress, ABI]


@dataclass(frozen=True)
class IndexPass:
    """What one pass did: where the cursor ended, events stored, events a reorg took away."""

    last_block: int
    stored: int
    removed: int
    caught_up: bool


class EventIndexer:
    """Follows the events of some contracts under one named cursor, started at `start_block` when new."""

    def __init__(
        self,
        web3: Web3,
        *,
        cursor: str,
        contracts: Contracts,
        start_block: int,
        confirmations: int = 1,
        batch_blocks: int = 1000,
    ) -> None:
        if confirmations < 1 or batch_blocks < 1:
            raise ValueError("confirmations and batch_blocks must be at least 1")
        self.web3 = web3
        self.cursor_name = cursor
        self.start_block = start_block
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.chain_id = web3.eth.chain_id
        self._decoders = _decoders(web3, contracts)

    def index_once(self, session: Session) -> IndexPass:
        """Undo any reorg below the cursor, then store the next range of confirmed events; flushes, never commits."""
        with rpc_errors():
            cursor = self._cursor(session)
            removed = self._unwind_reorg(session, cursor)
            head = self.web3.eth.block_number - self.confirmations + 1
            last = min(head, cursor.block_number + self.batch_blocks)
            if last <= cursor.block_number:
                return IndexPass(cursor.block_number, stored=0, removed=removed, caught_up=True)
            stored = self._index_range(session, cursor, last=last)
        return IndexPass(cursor.block_number, stored=stored, removed=removed, caught_up=cursor.block_number == head)

    def _cursor(self, session: Session) -> IndexerCursor:
        query = select(IndexerCursor).where(IndexerCursor.name == self.cursor_name).with_for_update()
        cursor = session.exec(query).first()
        if cursor is None:
            cursor = IndexerCursor(
                name=self.cursor_name,
                chain_id=self.chain_id,
                start_block=self.start_block,
                block_number=self.start_block - 1,
            )
            session.add(cursor)
            session.flush()
        if cursor.chain_id != self.chain_id:
            raise WrongChain(f"cursor '{cursor.name}' follows chain {cursor.chain_id}, the node is {self.chain_id}")
        return cursor

    def _unwind_reorg(self, session: Session, cursor: IndexerCursor) -> int:
        if cursor.block_hash is None or self._hash_at(cursor.block_number) == cursor.block_hash:
            return 0
        ancestor, ancestor_hash = self._common_ancestor(session, cursor)
        log.warning("cursor '%s': reorg below block %d, back to %d", cursor.name, cursor.block_number, ancestor)
        removed = session.exec(
            delete(ChainEvent).where(col(ChainEvent.cursor_id) == cursor.id, col(ChainEvent.block_number) > ancestor)
        ).rowcount
        session.exec(
            delete(IndexerCheckpoint).where(
                col(IndexerCheckpoint.cursor_id) == cursor.id, col(IndexerCheckpoint.block_number) > ancestor
            )
        )
        _move(session, cursor, block_number=ancestor, block_hash=ancestor_hash)
        return removed

    def _common_ancestor(self, session: Session, cursor: IndexerCursor) -> tuple[int, str | None]:
        checkpoints = session.exec(
            select(IndexerCheckpoint)
            .where(IndexerCheckpoint.cursor_id == cursor.id)
            .order_by(col(IndexerCheckpoint.block_number).desc())
        )
        for checkpoint in checkpoints:
            if self._hash_at(checkpoint.block_number) == checkpoint.block_hash:
                return checkpoint.block_number, checkpoint.block_hash
        return cursor.start_block - 1, None

    def _index_range(self, session: Session, cursor: IndexerCursor, *, last: int) -> int:
        # The header before the logs: should the chain reorganise in between, the cursor keeps the older hash,
        # so the next pass sees the mismatch and reads again instead of keeping orphaned logs.
        last_hash = self._hash_at(last)
        if last_hash is None:  # the chain got shorter since we asked for its head
            return 0
        logs = self.web3.eth.get_logs(
            {
                "fromBlock": cursor.block_number + 1,
                "toBlock": last,
                "address": sorted({address for address, _ in self._decoders}),
                "topics": [sorted({HexStr("0x" + topic.hex()) for _, topic in self._decoders})],
            }
        )
        cursor_id = cast(int, cursor.id)
        found = [self._event(cursor_id, entry) for entry in logs if _key(entry) in self._decoders]
        session.add_all(found)
        _move(session, cursor, block_number=last, block_hash=last_hash)
        _checkpoint(session, cursor_id, block_number=last, block_hash=last_hash)
        return len(found)

    def _event(self, cursor_id: int, entry: LogReceipt) -> ChainEvent:
        decoded = self._decoders[_key(entry)].process_log(entry)
        return ChainEvent(
            cursor_id=cursor_id,
            contract=entry["address"],
            name=decoded["event"],
            args=json_safe(dict(decoded["args"])),
            block_number=entry["blockNumber"],
            block_hash=_hex(entry["blockHash"]),
            tx_hash=_hex(entry["transactionHash"]),
            log_index=entry["logIndex"],
        )

    def _hash_at(self, block_number: int) -> str | None:
        try:
            return _hex(self.web3.eth.get_block(block_number)["hash"])
        except BlockNotFound:
            return None


def catch_up(indexer: EventIndexer) -> list[IndexPass]:
    """Pass after pass, each committed on its own, until the cursor reaches the confirmed head."""
    passes: list[IndexPass] = []
    while not passes or not passes[-1].caught_up:
        with session_scope() as session:
            passes.append(indexer.index_once(session))
    return passes


def events(session: Session, *, cursor: str, contract: str, name: str, since_block: int = 0) -> list[ChainEvent]:
    """The `name` events of `contract` stored under `cursor`, oldest first, from block `since_block` on."""
    query = (
        select(ChainEvent)
        .join(IndexerCursor)
        .where(IndexerCursor.name == cursor)
        .where(ChainEvent.contract == Web3.to_checksum_address(contract), ChainEvent.name == name)
        .where(col(ChainEvent.block_number) >= since_block)
        .order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))
    )
    return list(session.exec(query))


def json_safe(value: Any) -> Any:
    """`value` as JSON any client reads exactly: bytes as 0x-hex, integers past 2**53 as decimal strings."""
    match value:
        case bool() | str() | None:
            return value
        case int():
            return value if abs(value) <= MAX_SAFE_INTEGER else str(value)
        case bytes():
            return _hex(value)
        case Mapping():
            return {str(key): json_safe(item) for key, item in value.items()}
        case list() | tuple():
            return [json_safe(item) for item in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _decoders(web3: Web3, contracts: Contracts) -> dict[EventKey, ContractEvent]:
    return {
        (Web3.to_checksum_address(address), event_abi_to_log_topic(event)): _decoder(web3, event)
        for address, abi in contracts.items()
        for event in _events_in(abi)
    }


def _events_in(abi: ABI) -> Iterable[ABIEvent]:
    # Anonymous events have no signature topic to recognise them by.
    return (item for item in abi if item["type"] == "event" and not item.get("anonymous", False))


def _decoder(web3: Web3, event: ABIEvent) -> ContractEvent:
    # A contract of this one event, so an overloaded name cannot pick the wrong signature.
    return web3.eth.contract(abi=[event]).events[event["name"]]()


def _key(entry: LogReceipt) -> EventKey:
    return Web3.to_checksum_address(entry["address"]), bytes(entry["topics"][0])


def _move(session: Session, cursor: IndexerCursor, *, block_number: int, block_hash: str | None) -> None:
    cursor.block_number, cursor.block_hash, cursor.updated_at = block_number, block_hash, utcnow()
    session.add(cursor)
    session.flush()


def _checkpoint(session: Session, cursor_id: int, *, block_number: int, block_hash: str) -> None:
    """Remember where this pass ended, and forget all but the newest `CHECKPOINTS_KEPT`."""
    session.add(IndexerCheckpoint(cursor_id=cursor_id, block_number=block_number, block_hash=block_hash))
    oldest_kept = session.exec(
        select(IndexerCheckpoint.block_number)
        .where(IndexerCheckpoint.cursor_id == cursor_id)
        .order_by(col(IndexerCheckpoint.block_number).desc())
        .offset(CHECKPOINTS_KEPT - 1)
    ).first()
    if oldest_kept is not None:
        session.exec(
            delete(IndexerCheckpoint).where(
                col(IndexerCheckpoint.cursor_id) == cursor_id, col(IndexerCheckpoint.block_number) < oldest_kept
            )
        )
    session.flush()


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def index_deployment(web3: Web3, *, deployments_dir: Path, confirmations: int) -> int:
    """Catch the "deployment" cursor up with every event of the contract set; return how many were stored."""
    deployment = read_deployment(deployments_dir, web3.eth.chain_id)
    if deployment is None:
        return 0
    contracts = {c.address: load_artifact(ARTIFACT_OF[name]).abi for name, c in deployment.contracts.items()}
    indexer = EventIndexer(
        web3, cursor=DEPLOYMENT_CURSOR, contracts=cast(Contracts, contracts),
        start_block=min(c.block for c in deployment.contracts.values()), confirmations=confirmations,
    )  # fmt: skip
    return sum(indexed.stored for indexed in catch_up(indexer))
