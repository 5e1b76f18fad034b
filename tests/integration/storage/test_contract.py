"""One contract, every backend: the local CID store and an IPFS node answer the very same tests."""

import hashlib
import io
import os
import tracemalloc
from collections.abc import Iterator

import aleph_cid
import httpx
import pytest

from polyphony.storage.base import CHUNK_SIZE, Storage, StoredBlob
from polyphony.storage.car import read_car
from polyphony.storage.cid import DAG_PB, RAW, Cid, encode_base58, parse_cid
from polyphony.storage.errors import BlobNotFound, InvalidCid, InvalidRange
from polyphony.storage.kubo import KuboStorage
from polyphony.storage.local import LocalStorage
from polyphony.storage.unixfs import decode_file_node
from tests.support.blobs import PatternStream

# Valid CIDs of blocks no test adds (the sha256 of a byte string nobody stores).
UNKNOWN_FILE = str(Cid.of_block(b"never added by any test", codec=RAW))
MALFORMED = "bafy-not-a-cid"
BIG = 50_000_000
# Well under the 50 MB a whole-file read would take; room for chunks, buffers and the HTTP client.
MEMORY_CEILING = 8_000_000


def kubo_cid(content: bytes) -> str:
    hasher = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
    hasher.update(content)
    return hasher.finalize()


def unique_bytes(size: int) -> bytes:
    """Content no other test adds, so pins and garbage collection in one test cannot touch another's."""
    return os.urandom(size)


def add_bytes(storage: Storage, content: bytes) -> StoredBlob:
    return storage.add(io.BytesIO(content))


class StorageContract:
    """The behaviour every `Storage` promises. Subclasses provide `storage` and `collect_garbage`."""

    def collect_garbage(self, storage: Storage) -> None:
        raise NotImplementedError

    @pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5])
    def test_add_answers_kubos_cid_the_size_and_the_sha256(self, storage: Storage, size: int) -> None:
        content = unique_bytes(size)
        assert add_bytes(storage, content) == StoredBlob(kubo_cid(content), size, hashlib.sha256(content).hexdigest())

    def test_cat_gives_back_exactly_the_bytes_added(self, storage: Storage) -> None:
        content = unique_bytes(3 * CHUNK_SIZE + 5)
        assert b"".join(storage.cat(add_bytes(storage, content).cid)) == content

    @pytest.mark.parametrize(
        ("offset", "length"),
        [
            (0, 10),
            (CHUNK_SIZE - 5, 10),  # across two leaves
            (CHUNK_SIZE, CHUNK_SIZE),  # exactly the second leaf
            (2 * CHUNK_SIZE + 3, None),  # from inside the third leaf to the end
            (3 * CHUNK_SIZE + 5, None),  # from the very end: nothing
            (10, 0),
            (3 * CHUNK_SIZE, 1000),  # past the end: up to the end
        ],
    )
    def test_cat_of_a_range_gives_those_bytes(self, storage: Storage, offset: int, length: int | None) -> None:
        content = unique_bytes(3 * CHUNK_SIZE + 5)
        cid = add_bytes(storage, content).cid
        end = None if length is None else offset + length
        assert b"".join(storage.cat(cid, offset=offset, length=length)) == content[offset:end]

    @pytest.mark.parametrize(("offset", "length"), [(CHUNK_SIZE + 2, None), (-1, None), (0, -1)])
    def test_ranges_that_cannot_start_are_refused_before_streaming(
        self, storage: Storage, offset: int, length: int | None
    ) -> None:
        cid = add_bytes(storage, unique_bytes(CHUNK_SIZE + 1)).cid
        with pytest.raises(InvalidRange):
            storage.cat(cid, offset=offset, length=length)

    def test_size_is_the_content_length(self, storage: Storage) -> None:
        assert storage.size(add_bytes(storage, unique_bytes(2 * CHUNK_SIZE + 9)).cid) == 2 * CHUNK_SIZE + 9

    def test_has_what_was_added_and_not_what_was_not(self, storage: Storage) -> None:
        assert storage.has(add_bytes(storage, unique_bytes(CHUNK_SIZE + 1)).cid)
        assert not storage.has(UNKNOWN_FILE)

    def test_other_spellings_of_a_cid_name_the_same_blob(self, storage: Storage) -> None:
        content = unique_bytes(CHUNK_SIZE + 1)
        root = parse_cid(add_bytes(storage, content).cid)
        base58 = "z" + encode_base58(root.binary)
        cidv0 = encode_base58(bytes((0x12, 0x20)) + root.digest)  # a dag-pb root has a CIDv0 too
        assert b"".join(storage.cat(base58)) == content
        assert b"".join(storage.cat(cidv0)) == content

    def test_added_content_is_pinned_and_survives_garbage_collection(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 1)
        cid = add_bytes(storage, content).cid
        self.collect_garbage(storage)
        assert b"".join(storage.cat(cid)) == content

    def test_unpinned_content_goes_with_garbage_collection(self, storage: Storage) -> None:
        cid = add_bytes(storage, unique_bytes(2 * CHUNK_SIZE + 1)).cid
        storage.unpin(cid)
        self.collect_garbage(storage)
        assert not storage.has(cid)

    def test_pinning_again_keeps_content_through_garbage_collection(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 1)
        cid = add_bytes(storage, content).cid
        storage.unpin(cid)
        storage.pin(cid)
        self.collect_garbage(storage)
        assert b"".join(storage.cat(cid)) == content

    def test_staged_content_is_readable_and_goes_with_garbage_collection(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 1)
        staged = storage.add(io.BytesIO(content), pin=False)
        assert staged == StoredBlob(kubo_cid(content), len(content), hashlib.sha256(content).hexdigest())
        assert b"".join(storage.cat(staged.cid)) == content
        self.collect_garbage(storage)
        assert not storage.has(staged.cid)

    def test_staged_content_pinned_afterwards_survives_garbage_collection(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 1)
        cid = storage.add(io.BytesIO(content), pin=False).cid
        storage.pin(cid)
        self.collect_garbage(storage)
        assert b"".join(storage.cat(cid)) == content

    def test_unpinning_twice_or_unknown_content_does_nothing(self, storage: Storage) -> None:
        cid = add_bytes(storage, unique_bytes(10)).cid
        storage.unpin(cid)
        storage.unpin(cid)
        storage.unpin(UNKNOWN_FILE)

    def test_export_car_holds_the_root_and_every_block_of_the_file(self, storage: Storage) -> None:
        content = unique_bytes(3 * CHUNK_SIZE + 5)
        cid = add_bytes(storage, content).cid
        car = read_car(b"".join(storage.export_car(cid)))  # read_car checks each block against its CID
        assert [str(root) for root in car.roots] == [cid]
        blocks = dict(car.blocks)
        assert len(blocks) == 5  # the root node and four leaves
        assert b"".join(blocks[link.cid] for link in decode_file_node(blocks[car.roots[0]]).links) == content

    def test_block_is_one_stored_block_as_it_hashes(self, storage: Storage) -> None:
        content = unique_bytes(CHUNK_SIZE + 7)
        root = parse_cid(add_bytes(storage, content).cid)
        node = storage.block(str(root))
        assert Cid.of_block(node, codec=DAG_PB) == root
        leaves = [storage.block(str(link.cid)) for link in decode_file_node(node).links]
        assert b"".join(leaves) == content and len(leaves[0]) == CHUNK_SIZE

    @pytest.mark.parametrize("operation", ["cat", "size", "pin", "block", "export_car"])
    def test_unknown_cids_are_not_found(self, storage: Storage, operation: str) -> None:
        with pytest.raises(BlobNotFound):
            getattr(storage, operation)(UNKNOWN_FILE)

    @pytest.mark.parametrize("operation", ["cat", "size", "has", "pin", "unpin", "block", "export_car"])
    def test_malformed_cids_are_invalid(self, storage: Storage, operation: str) -> None:
        with pytest.raises(InvalidCid):
            getattr(storage, operation)(MALFORMED)

    def test_ping_answers(self, storage: Storage) -> None:
        storage.ping()

    def test_a_large_file_is_added_and_read_back_without_holding_it_in_memory(self, storage: Storage) -> None:
        tracemalloc.start()
        try:
            blob = storage.add(PatternStream(BIG))  # type: ignore[arg-type]
            added_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            read_hash, largest_piece = hashlib.sha256(), 0
            for piece in storage.cat(blob.cid):
                read_hash.update(piece)
                largest_piece = max(largest_piece, len(piece))
            read_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert blob.size == BIG
        assert read_hash.hexdigest() == blob.sha256
        assert largest_piece <= CHUNK_SIZE
        assert added_peak < MEMORY_CEILING
        assert read_peak < MEMORY_CEILING

    def test_a_pinned_staging_is_kept_and_readable(self, storage: Storage) -> None:
        content = unique_bytes(3 * CHUNK_SIZE + 5)
        staging = storage.begin_staging()
        blob = storage.add(io.BytesIO(content), pin=False, staging=staging)
        storage.pin_staged(staging, blob.cid)
        storage.discard_staging(staging)  # what an upload does once answered: nothing, after the pin
        self.collect_garbage(storage)
        assert b"".join(storage.cat(blob.cid)) == content

    def test_a_discarded_staging_is_gone_after_garbage_collection(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 7)
        staging = storage.begin_staging()
        blob = storage.add(io.BytesIO(content), pin=False, staging=staging)
        storage.discard_staging(staging)
        self.collect_garbage(storage)
        assert not storage.has(blob.cid)

    def test_discarding_a_staging_leaves_the_same_bytes_pinned_before(self, storage: Storage) -> None:
        content = unique_bytes(2 * CHUNK_SIZE + 9)
        kept = add_bytes(storage, content)
        staging = storage.begin_staging()
        storage.add(io.BytesIO(content), pin=False, staging=staging)
        storage.discard_staging(staging)
        assert b"".join(storage.cat(kept.cid)) == content


class TestLocalStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path_factory: pytest.TempPathFactory) -> LocalStorage:
        return LocalStorage(tmp_path_factory.mktemp("blocks"))

    def collect_garbage(self, storage: Storage) -> None:
        assert isinstance(storage, LocalStorage)
        storage.gc()


@pytest.mark.ipfs_node
class TestKuboStorage(StorageContract):
    @pytest.fixture
    def storage(self, ipfs_api_url: str) -> Iterator[KuboStorage]:
        yield KuboStorage(ipfs_api_url)

    def collect_garbage(self, storage: Storage) -> None:
        assert isinstance(storage, KuboStorage)
        httpx.post(f"{storage.api_url}/api/v0/repo/gc", timeout=120).raise_for_status()
