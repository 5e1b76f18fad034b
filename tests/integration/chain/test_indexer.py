"""The event indexer on anvil: each event stored once, resumed after a crash, held back until confirmed, and
rolled back when a reorg orphans it. Each test deploys its own ProvenanceRegistry and uses its own cursor."""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from uuid import uuid4

import pytest
from eth_account.signers.local import LocalAccount
from sqlmodel import Session, select
from web3 import Web3
from web3.contract import Contract
from web3.types import TxParams, TxReceipt

import chain.indexer
from chain.client import connect
from chain.compile import artifact_path
from chain.errors import WrongChain
from chain.indexer import EventIndexer, catch_up, events
from polyphony.db import session_scope
from polyphony.models import ChainEvent, IndexerCursor
from polyphony.storage.cid import RAW

REGISTRY = json.loads(artifact_path("ProvenanceRegistry").read_text())
Anchor = Callable[..., str]
ROLES_GRANTED = 3  # the registry's constructor grants three roles
EVENTS_PER_ANCHOR = 2  # `anchor` emits BatchAnchored, and KindBatchAnchored as every batch of any kind does


@dataclass(frozen=True)
class Deployed:
    contract: Contract
    block: int


def _send(web3: Web3, account: LocalAccount, transaction: TxParams) -> TxReceipt:
    signed = account.sign_transaction(cast(dict[str, Any], transaction))
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt["status"] == 1
    return receipt


def _sender(web3: Web3, account: LocalAccount) -> TxParams:
    return {"from": account.address, "nonce": web3.eth.get_transaction_count(account.address)}


@pytest.fixture
def registry(web3: Web3, funded_account: LocalAccount) -> Deployed:
    """A fresh ProvenanceRegistry whose every role is the funded account's."""
    factory = web3.eth.contract(abi=REGISTRY["abi"], bytecode=REGISTRY["bytecode"])
    me = funded_account.address
    deployment = factory.constructor(me, me, me).build_transaction(_sender(web3, funded_account))
    receipt = _send(web3, funded_account, deployment)
    address = receipt["contractAddress"]
    assert address is not None
    return Deployed(web3.eth.contract(address=address, abi=REGISTRY["abi"]), receipt["blockNumber"])


@pytest.fixture
def anchor(web3: Web3, funded_account: LocalAccount, registry: Deployed) -> Anchor:
    """Anchor a random root with `count` contributions; returns the root as 0x-hex."""

    def anchor_batch(count: int = 1) -> str:
        root = os.urandom(32)
        call = registry.contract.functions.anchor(root, count, RAW, root)  # the root as a stand-in manifest digest
        _send(web3, funded_account, call.build_transaction(_sender(web3, funded_account)))
        return "0x" + root.hex()

    return anchor_batch


def _indexer(web3: Web3, registry: Deployed, cursor: str, **options: Any) -> EventIndexer:
    contracts = {registry.contract.address: REGISTRY["abi"]}
    return EventIndexer(web3, cursor=cursor, contracts=contracts, start_block=registry.block, **options)


def _anchored(cursor: str, registry: Deployed) -> list[ChainEvent]:
    with session_scope() as session:
        return events(session, cursor=cursor, contract=registry.contract.address, name="BatchAnchored")


def _roots(cursor: str, registry: Deployed) -> list[str]:
    return [event.args["root"] for event in _anchored(cursor, registry)]


def _cursor(name: str) -> IndexerCursor:
    with session_scope() as session:
        return session.exec(select(IndexerCursor).where(IndexerCursor.name == name)).one()


def _rpc(web3: Web3, method: str, *params: Any) -> Any:
    return web3.provider.make_request(method, list(params))["result"]  # type: ignore[arg-type]


@pytest.fixture
def cursor() -> str:
    return f"test:{uuid4().hex}"


def test_every_event_is_stored_once_with_json_safe_arguments(
    web3: Web3, registry: Deployed, anchor: Anchor, cursor: str
) -> None:
    big, small = anchor(2**60), anchor(7)
    indexer = _indexer(web3, registry, cursor, batch_blocks=1)

    passes = catch_up(indexer)
    assert len(passes) >= 3 and sum(done.stored for done in passes) == ROLES_GRANTED + 2 * EVENTS_PER_ANCHOR
    [first, second] = _anchored(cursor, registry)
    assert first.args == {"root": big, "count": str(2**60), "manifestCodec": RAW, "manifestDigest": big}
    assert second.args["root"] == small and second.args["count"] == 7
    assert first.block_number < second.block_number

    assert sum(done.stored for done in catch_up(indexer)) == 0
    assert _roots(cursor, registry) == [big, small]
    with session_scope() as session:
        granted = events(session, cursor=cursor, contract=registry.contract.address, name="RoleGranted")
    assert [event.block_number for event in granted] == [registry.block] * 3


def test_a_restarted_indexer_resumes_without_losing_or_repeating_events(
    web3: Web3, chain_rpc_url: str, registry: Deployed, anchor: Anchor, cursor: str
) -> None:
    roots = [anchor(), anchor()]
    catch_up(_indexer(web3, registry, cursor))
    roots.append(anchor())
    with pytest.raises(RuntimeError), session_scope() as session:
        _indexer(web3, registry, cursor).index_once(session)
        raise RuntimeError("the process dies before the pass commits")
    assert _roots(cursor, registry) == roots[:2]

    restarted = _indexer(connect(chain_rpc_url), registry, cursor)
    assert sum(done.stored for done in catch_up(restarted)) == EVENTS_PER_ANCHOR
    assert _roots(cursor, registry) == roots
    assert _cursor(cursor).block_number == web3.eth.block_number


def test_events_wait_until_they_are_confirmations_deep(
    web3: Web3, registry: Deployed, anchor: Anchor, cursor: str
) -> None:
    root = anchor()
    anchored_in = web3.eth.block_number
    indexer = _indexer(web3, registry, cursor, confirmations=3)

    assert catch_up(indexer)[-1].last_block == anchored_in - 2
    _rpc(web3, "evm_mine")
    assert catch_up(indexer)[-1].last_block == anchored_in - 1
    assert _roots(cursor, registry) == []
    _rpc(web3, "evm_mine")
    assert catch_up(indexer)[-1].last_block == anchored_in
    assert _roots(cursor, registry) == [root]


def test_a_reorg_replaces_the_orphaned_events_with_the_new_chains(
    web3: Web3, registry: Deployed, anchor: Anchor, cursor: str
) -> None:
    indexer = _indexer(web3, registry, cursor)
    kept = anchor()
    catch_up(indexer)
    snapshot = _rpc(web3, "evm_snapshot")
    orphaned = anchor()
    catch_up(indexer)
    assert _roots(cursor, registry) == [kept, orphaned]
    orphaned_block = _cursor(cursor)

    assert _rpc(web3, "evm_revert", snapshot) is True
    replacement = anchor()  # mined at the orphan's height, in a block with another hash
    assert web3.eth.block_number == orphaned_block.block_number
    passes = catch_up(indexer)

    assert sum(done.removed for done in passes) == EVENTS_PER_ANCHOR
    assert sum(done.stored for done in passes) == EVENTS_PER_ANCHOR
    assert _roots(cursor, registry) == [kept, replacement]
    moved = _cursor(cursor)
    assert moved.block_number == orphaned_block.block_number
    assert moved.block_hash != orphaned_block.block_hash
    assert moved.block_hash == "0x" + bytes(web3.eth.get_block(moved.block_number)["hash"]).hex()


def test_a_reorg_to_a_shorter_chain_moves_the_cursor_back_to_the_common_block(
    web3: Web3, registry: Deployed, anchor: Anchor, cursor: str
) -> None:
    indexer = _indexer(web3, registry, cursor)
    kept = anchor()
    common = catch_up(indexer)[-1].last_block
    snapshot = _rpc(web3, "evm_snapshot")
    anchor()
    _rpc(web3, "evm_mine")
    catch_up(indexer)

    assert _rpc(web3, "evm_revert", snapshot) is True
    passes = catch_up(indexer)
    assert [done.removed for done in passes] == [EVENTS_PER_ANCHOR] and passes[-1].last_block == common
    assert _roots(cursor, registry) == [kept]
    assert _cursor(cursor).block_hash == "0x" + bytes(web3.eth.get_block(common)["hash"]).hex()


def test_a_reorg_older_than_every_checkpoint_reindexes_from_the_start(
    web3: Web3, registry: Deployed, anchor: Anchor, cursor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chain.indexer, "CHECKPOINTS_KEPT", 1)
    indexer = _indexer(web3, registry, cursor)
    kept = anchor()
    catch_up(indexer)
    snapshot = _rpc(web3, "evm_snapshot")
    anchor()
    catch_up(indexer)  # the only checkpoint left is now on the branch about to be orphaned

    assert _rpc(web3, "evm_revert", snapshot) is True
    passes = catch_up(indexer)
    assert sum(done.removed for done in passes) == ROLES_GRANTED + 2 * EVENTS_PER_ANCHOR
    assert sum(done.stored for done in passes) == ROLES_GRANTED + EVENTS_PER_ANCHOR
    assert _roots(cursor, registry) == [kept]


def test_a_cursor_refuses_a_node_of_another_chain(
    web3: Web3, registry: Deployed, cursor: str, db_session: Session
) -> None:
    db_session.add(
        IndexerCursor(name=cursor, chain_id=web3.eth.chain_id + 1, start_block=0, block_number=-1, block_hash=None)
    )
    db_session.flush()
    with pytest.raises(WrongChain, match=cursor):
        _indexer(web3, registry, cursor).index_once(db_session)
