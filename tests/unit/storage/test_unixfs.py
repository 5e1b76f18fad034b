"""File DAGs: the CIDs Kubo's `ipfs add --cid-version=1 --raw-leaves` gives, for every shape of tree."""

import hashlib
import io

import aleph_cid
import pytest

from polyphony.storage.base import CHUNK_SIZE, MAX_LINKS
from polyphony.storage.cid import DAG_PB, RAW, Cid
from polyphony.storage.unixfs import (
    FileDagBuilder,
    Link,
    blob_of,
    cid_of,
    decode_file_node,
    encode_file_node,
    import_file,
)
from tests.support.blobs import PatternStream, pattern_bytes


def kubo_cid(content: bytes) -> str:
    """The reference: aleph-cid computes Kubo's CIDv1 raw-leaves DAG (independently of this code)."""
    hasher = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
    hasher.update(content)
    return hasher.finalize()


def import_without_storing(stream: io.RawIOBase | io.BytesIO, **sizes: int) -> tuple[str, int, str]:
    blob = import_file(stream, put_block=lambda cid, block: None, **sizes)
    return blob.cid, blob.size, blob.sha256


@pytest.mark.parametrize(
    "size",
    [
        0,  # the empty raw block, as Kubo adds an empty file
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,  # still one raw leaf: its CID is the file's
        CHUNK_SIZE + 1,  # the first file with a dag-pb root
        MAX_LINKS * CHUNK_SIZE,  # one full node over 174 leaves
        MAX_LINKS * CHUNK_SIZE + 1,  # the first file with two levels of nodes
        3_000_000,
    ],
)
def test_cid_size_and_sha256_match_kubo(size: int) -> None:
    content = pattern_bytes(size)
    assert import_without_storing(io.BytesIO(content)) == (kubo_cid(content), size, hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, MAX_LINKS * CHUNK_SIZE + 1])
def test_cid_size_and_sha256_of_unstored_bytes_match_kubo(size: int) -> None:
    content = pattern_bytes(size)
    stored = blob_of(io.BytesIO(content))
    assert (stored.cid, stored.size, stored.sha256) == (kubo_cid(content), size, hashlib.sha256(content).hexdigest())
    assert cid_of(content) == kubo_cid(content)


def test_short_reads_give_the_same_cid_as_whole_chunks() -> None:
    size = 3 * CHUNK_SIZE + 7
    assert import_without_storing(PatternStream(size, short_reads=True))[0] == kubo_cid(pattern_bytes(size))


# Trees three levels deep need 174 * 174 chunks (7.9 GB at 256 KiB); with 16-byte chunks they fit in half a
# megabyte. These CIDs were answered by js-ipfs 0.66.1 (an independent balanced-DAG builder) for
# `add?cid-version=1&raw-leaves=true&chunker=size-16` of `pattern_bytes(size)`; the integration tests ask it live.
SMALL_CHUNK_CIDS = {
    17: "bafybeigegxlx2xelm5geyghwe5xa5erqcyukl35z7vwaogryau2sw6tfae",
    174 * 16: "bafybeif2ndfbsp66kwhujuq6oh7fafhchlfmyxff76bvuojvx7omo6wdyi",
    174 * 16 + 1: "bafybeia2d4nalyl5lqibzvu44fxmxf4qhjenjmps6okvioffeyvel7mw2q",
    174 * 174 * 16: "bafybeiehoyocbmxzwclmjy2eyvaboonmhypzgrcjo4sfedmzmppaywyjnm",
    174 * 174 * 16 + 1: "bafybeigqbrusojcopevtci5vvp35cnjdi7jzpmm7e67hymnho2pwame6u4",
    174 * 174 * 16 + 174 * 16 + 5: "bafybeid4adjtcb6j4pgymim5rd77sq7wl4e2ff7bocgauhkmwdr2zq5424",
}


@pytest.mark.parametrize(("size", "cid"), SMALL_CHUNK_CIDS.items())
def test_deep_trees_match_an_independent_builder(size: int, cid: str) -> None:
    assert import_without_storing(io.BytesIO(pattern_bytes(size)), chunk_size=16)[0] == cid


def test_a_sealed_level_with_one_more_leaf_grows_a_new_root_over_a_one_child_node() -> None:
    blocks: dict[Cid, bytes] = {}
    builder = FileDagBuilder(lambda cid, block: blocks.setdefault(cid, block), max_links=2)
    for index in range(5):  # 5 leaves, 2 links per node: root -> [node -> [node, node], node -> [node -> [leaf]]]
        builder.add_leaf(bytes([index]))
    root = builder.finish()

    def depth_and_shape(cid: Cid) -> object:
        if cid.codec == RAW:
            return blocks[cid][0]
        return [depth_and_shape(link.cid) for link in decode_file_node(blocks[cid]).links]

    assert depth_and_shape(root.cid) == [[[0, 1], [2, 3]], [[4]]]
    assert root.filesize == 5


def test_every_block_is_handed_over_once_with_its_cid() -> None:
    handed: list[tuple[Cid, bytes]] = []
    blob = import_file(
        io.BytesIO(pattern_bytes(3 * CHUNK_SIZE)), put_block=lambda cid, block: handed.append((cid, block))
    )
    assert [cid.codec for cid, _ in handed] == [RAW, RAW, RAW, DAG_PB]
    assert all(Cid.of_block(block, codec=cid.codec) == cid for cid, block in handed)
    assert str(handed[-1][0]) == blob.cid


def test_file_node_decodes_to_what_was_encoded() -> None:
    leaves = [Link(Cid.of_block(bytes([n]) * n, codec=RAW), tsize=n, filesize=n) for n in (5, 7, 11)]
    node = decode_file_node(encode_file_node(leaves))
    assert node.links == leaves
    assert node.filesize == 23
    assert node.data == b""


@pytest.mark.parametrize("block", [b"\x0a\x02\x08", b"\x12\x03\x0a\x01", b"\x0f", b"\x0a\x02\x08\x01"])
def test_blocks_that_are_not_file_nodes_are_refused(block: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        decode_file_node(block)
