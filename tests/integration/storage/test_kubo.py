"""The IPFS node backend: the same CIDs and CAR files as the local store, and clear errors when it is away."""

import io
import os
import re
import socket
from pathlib import Path

import httpx
import pytest

from polyphony.storage import kubo
from polyphony.storage.base import CHUNK_SIZE, MAX_LINKS
from polyphony.storage.cid import normalize_cid
from polyphony.storage.errors import StorageUnavailable
from polyphony.storage.kubo import KuboStorage
from polyphony.storage.local import LocalStorage
from polyphony.storage.unixfs import import_file
from tests.support.blobs import pattern_bytes

pytestmark = pytest.mark.ipfs_node


@pytest.fixture
def node(ipfs_api_url: str) -> KuboStorage:
    return KuboStorage(ipfs_api_url)


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "store")


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, MAX_LINKS * CHUNK_SIZE + 1])
def test_both_backends_name_the_same_bytes_with_the_same_cid(node: KuboStorage, local: LocalStorage, size: int) -> None:
    content = os.urandom(size)
    assert node.add(io.BytesIO(content)) == local.add(io.BytesIO(content))


def test_both_backends_export_byte_identical_car_files(node: KuboStorage, local: LocalStorage) -> None:
    content = os.urandom(3 * CHUNK_SIZE + 5)
    cid = local.add(io.BytesIO(content)).cid
    node.add(io.BytesIO(content))
    assert b"".join(node.export_car(cid)) == b"".join(local.export_car(cid))


@pytest.mark.parametrize("size", [174 * 16, 174 * 16 + 1, 2 * 174 * 16 + 7])
def test_deep_trees_are_built_as_the_node_builds_them(ipfs_api_url: str, size: int) -> None:
    """With 16-byte chunks, two levels of nodes take a few kilobytes (three, 30,000 blocks: see the unit tests)."""
    content = pattern_bytes(size)
    answer = httpx.post(
        f"{ipfs_api_url}/api/v0/add",
        params={"cid-version": 1, "raw-leaves": "true", "chunker": "size-16", "pin": "false"},
        files={"file": ("blob", content)},
        timeout=120,
    )
    ours = import_file(io.BytesIO(content), put_block=lambda cid, block: None, chunk_size=16)
    assert normalize_cid(answer.raise_for_status().json()["Hash"]) == ours.cid


def test_a_node_that_builds_other_cids_is_refused(node: KuboStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(kubo._ADD_OPTIONS, "chunker", "size-65536")  # as a node with other Import settings would
    with pytest.raises(StorageUnavailable, match="Import settings"):
        node.add(io.BytesIO(os.urandom(CHUNK_SIZE + 1)))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("operation", ["ping", "add", "cat", "size", "has", "pin", "unpin", "export_car"])
def test_a_node_that_is_not_running_is_unavailable_and_the_error_names_it(operation: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    storage = KuboStorage(url)
    arguments = {"ping": (), "add": (io.BytesIO(b"x"),)}.get(
        operation, ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",)
    )
    with pytest.raises(StorageUnavailable, match=re.escape(url)):
        getattr(storage, operation)(*arguments)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
