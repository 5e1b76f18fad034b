"""The local CID store on disk: its layout, and garbage collection after crashes and unpins."""

import io
import os
import subprocess
from pathlib import Path

import pytest

from polyphony import processes
from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.errors import StorageUnavailable
from polyphony.storage.local import LocalStorage
from polyphony.storage.staging import Staging
from tests.support.blobs import FailingStream


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "store")


def block_files(storage: LocalStorage) -> set[str]:
    return {path.name for path in (storage.root / "blocks").glob("*/*")}


def test_blocks_are_files_named_by_cid_in_folders_named_by_two_characters_near_the_end(storage: LocalStorage) -> None:
    cid = storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1))).cid
    paths = list((storage.root / "blocks").glob("*/*"))
    assert len(paths) == 3  # two leaves and the root node
    assert all(path.parent.name == path.name[-3:-1] for path in paths)
    assert (storage.root / "pins" / cid).is_file()


def test_adding_the_same_bytes_again_leaves_the_blocks_untouched(storage: LocalStorage) -> None:
    content = os.urandom(CHUNK_SIZE + 1)
    storage.add(io.BytesIO(content))
    before = {path: path.stat().st_ino for path in (storage.root / "blocks").glob("*/*")}
    storage.add(io.BytesIO(content))
    assert {path: path.stat().st_ino for path in (storage.root / "blocks").glob("*/*")} == before


def test_a_crash_between_writing_blocks_and_pinning_leaves_nothing_after_gc(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1))).cid
    blocks_of_kept = block_files(storage)

    def crash() -> None:  # the flush that comes after the blocks and before the pin
        raise SystemExit("killed")

    monkeypatch.setattr(os, "sync", crash)
    with pytest.raises(SystemExit):
        storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1)))
    monkeypatch.undo()
    assert len(block_files(storage) - blocks_of_kept) == 3  # two leaves and a root, written but not pinned
    assert len(list((storage.root / "pins").iterdir())) == 1

    assert storage.gc() == 3
    assert block_files(storage) == blocks_of_kept
    assert storage.has(kept)


def test_an_upload_that_fails_midway_leaves_nothing_after_gc(storage: LocalStorage) -> None:
    kept = storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1))).cid
    blocks_of_kept = block_files(storage)
    with pytest.raises(ConnectionResetError):
        storage.add(FailingStream(20 * CHUNK_SIZE))  # type: ignore[arg-type]

    storage.gc()
    assert block_files(storage) == blocks_of_kept
    assert storage.has(kept)


def test_gc_removes_temporary_files_a_crash_left_but_keeps_pinned_blocks(storage: LocalStorage) -> None:
    content = os.urandom(CHUNK_SIZE + 1)
    cid = storage.add(io.BytesIO(content)).cid
    shard = next((storage.root / "blocks").iterdir())
    (shard / "bafkreianything.0123456789ab.tmp").write_bytes(b"half a bl")
    (storage.root / "pins" / f"{cid}.0123456789ab.tmp").write_bytes(b"")

    assert storage.gc() == 2
    assert not list(storage.root.glob("**/*.tmp"))
    assert b"".join(storage.cat(cid)) == content


def test_gc_keeps_a_block_an_unpinned_file_shares_with_a_pinned_one(storage: LocalStorage) -> None:
    shared_chunk = os.urandom(CHUNK_SIZE)
    pinned_content = shared_chunk + b"pinned"
    pinned = storage.add(io.BytesIO(pinned_content)).cid
    unpinned = storage.add(io.BytesIO(shared_chunk + b"unpinned")).cid
    storage.unpin(unpinned)

    assert storage.gc() == 2  # the unpinned file's root node and its own last leaf
    assert not storage.has(unpinned)
    assert b"".join(storage.cat(pinned)) == pinned_content


def test_a_store_whose_folder_cannot_be_made_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    storage = LocalStorage(tmp_path / "a-file" / "store")
    with pytest.raises(StorageUnavailable, match="a-file"):
        storage.ping()
    with pytest.raises(StorageUnavailable):
        storage.add(io.BytesIO(b"x"))


def test_a_staged_upload_stays_out_of_the_store_until_pinned_and_leaves_nothing_if_thrown_away(
    storage: LocalStorage,
) -> None:
    kept, refused = storage.begin_staging(), storage.begin_staging()
    blob = storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1)), pin=False, staging=kept)
    storage.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1)), pin=False, staging=refused)
    assert block_files(storage) == set()  # neither is in the store, where garbage collection looks
    storage.discard_staging(refused)
    storage.pin_staged(kept, blob.cid)
    assert len(block_files(storage)) == 3 and (storage.root / "pins" / blob.cid).is_file()
    assert list((storage.root / "staging").iterdir()) == []


def test_the_sweep_takes_the_staging_of_a_process_that_ended_and_no_other(storage: LocalStorage) -> None:
    ended = subprocess.Popen(["sleep", "30"])
    owner = f"{processes.this_process().split('.')[0]}.{ended.pid}.{processes._start_time(ended.pid)}"
    ended.kill()
    ended.wait()
    live = storage.begin_staging()
    storage.add(io.BytesIO(b"still arriving"), pin=False, staging=live)
    storage.add(io.BytesIO(b"never finished"), pin=False, staging=Staging(f"{owner}-0123456789abcdef"))
    assert storage.sweep_staging() == 1
    assert [folder.name for folder in (storage.root / "staging").iterdir()] == [live.name]
