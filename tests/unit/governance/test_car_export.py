"""The export's copy of a CAR: every block checked, under the root, none missing, or the CAR is refused."""

import io

import pytest

from governance.rounds.car_export import write_verified_car
from governance.rounds.errors import TamperedItem
from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.car import read_car, write_car
from polyphony.storage.cid import RAW, Cid
from polyphony.storage.unixfs import import_file
from tests.support.blobs import pattern_bytes


def _file_blocks() -> tuple[str, list[tuple[Cid, bytes]]]:
    """A three-leaf file's CID and its blocks, root first, depth first (as a CAR holds them)."""
    blocks: list[tuple[Cid, bytes]] = []
    blob = import_file(io.BytesIO(pattern_bytes(2 * CHUNK_SIZE + 9)), put_block=lambda c, b: blocks.append((c, b)))
    return blob.cid, [blocks[-1], *blocks[:-1]]


def _copy(root: str, blocks: list[tuple[Cid, bytes]], *, named_root: Cid | None = None) -> bytes:
    out = io.BytesIO()
    write_verified_car(write_car(named_root or blocks[0][0], blocks), root=root, out=out)
    return out.getvalue()


def test_a_whole_car_is_copied_block_for_block() -> None:
    root, blocks = _file_blocks()
    copied = read_car(_copy(root, blocks))
    assert [str(cid) for cid in copied.roots] == [root] and copied.blocks == blocks


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda blocks: blocks[:-1], "lacks 1 blocks"),
        (lambda blocks: [*blocks, (Cid.of_block(b"stray", codec=RAW), b"stray")], "which nothing before it"),
        (lambda blocks: [blocks[0], (blocks[1][0], blocks[1][1][:-1] + b"!"), *blocks[2:]], "does not hash"),
    ],
)
def test_a_car_missing_a_block_holding_a_stray_one_or_a_wrong_one_is_refused(change: object, refusal: str) -> None:
    root, blocks = _file_blocks()
    with pytest.raises(TamperedItem, match=refusal):
        _copy(root, change(blocks))  # type: ignore[operator]


def test_a_car_rooted_elsewhere_is_refused() -> None:
    root, blocks = _file_blocks()
    with pytest.raises(TamperedItem, match="names the roots"):
        _copy(root, blocks, named_root=Cid.of_block(b"elsewhere", codec=RAW))
