"""CAR files: the header is dag-cbor `{"roots": [root], "version": 1}`, then each block behind its CID."""

import io

import pytest

from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.car import MAX_SECTION_BYTES, CarStream, car_header, read_car, write_car
from polyphony.storage.cid import RAW, Cid, encode_varint
from polyphony.storage.unixfs import import_file
from tests.support.blobs import pattern_bytes

EMPTY_FILE = Cid.of_block(b"", codec=RAW)


def test_header_is_the_canonical_dag_cbor_map() -> None:
    tagged_cid = b"\x00" + EMPTY_FILE.binary
    expected = (
        b"\xa2"  # map of 2, keys in dag-cbor order (shorter first)
        + b"\x65roots"
        + b"\x81\xd8\x2a\x58\x25"  # array of 1, tag 42, byte string of 37
        + tagged_cid
        + b"\x67version\x01"
    )
    assert car_header(EMPTY_FILE) == bytes([len(expected)]) + expected


def test_a_file_dag_reads_back_with_its_root_and_every_block_in_order() -> None:
    blocks: list[tuple[Cid, bytes]] = []
    blob = import_file(io.BytesIO(pattern_bytes(2 * CHUNK_SIZE + 1)), put_block=lambda c, b: blocks.append((c, b)))
    car = read_car(b"".join(write_car(blocks[-1][0], blocks)))
    assert [str(root) for root in car.roots] == [blob.cid]
    assert car.blocks == blocks


def test_a_block_that_does_not_hash_to_its_cid_is_refused() -> None:
    car = bytearray(b"".join(write_car(EMPTY_FILE, [(Cid.of_block(b"abc", codec=RAW), b"abc")])))
    car[-1] ^= 1
    with pytest.raises(ValueError, match="does not hash to its CID"):
        read_car(bytes(car))


def test_a_cut_short_file_is_refused() -> None:
    car = b"".join(write_car(EMPTY_FILE, [(Cid.of_block(b"abc", codec=RAW), b"abc")]))
    with pytest.raises(ValueError, match="past the end"):
        read_car(car[:-1])


@pytest.mark.parametrize("piece_size", [1, 7, 1000, 10**6])
def test_a_car_read_as_it_streams_gives_the_same_roots_and_blocks_in_any_pieces(piece_size: int) -> None:
    blocks: list[tuple[Cid, bytes]] = []
    import_file(io.BytesIO(pattern_bytes(CHUNK_SIZE + 3)), put_block=lambda c, b: blocks.append((c, b)))
    car = b"".join(write_car(blocks[-1][0], blocks))
    stream = CarStream(car[start : start + piece_size] for start in range(0, len(car), piece_size))
    assert stream.roots == [blocks[-1][0]]
    assert list(stream.blocks()) == blocks


def test_a_streamed_car_refuses_a_section_longer_than_any_block_before_buffering_it() -> None:
    header = car_header(EMPTY_FILE)
    endless = iter([header, encode_varint(MAX_SECTION_BYTES + 1)])
    with pytest.raises(ValueError, match="longer than any IPFS block"):
        list(CarStream(endless).blocks())


def test_a_streamed_car_refuses_bytes_that_are_no_car_header() -> None:
    with pytest.raises(ValueError, match="not a CARv1 header"):
        CarStream([b"\x05hello"])


def test_a_header_may_name_a_root_per_file() -> None:
    other = Cid.of_block(b"abc", codec=RAW)
    stream = CarStream([car_header(EMPTY_FILE, other)])
    assert stream.roots == [EMPTY_FILE, other] and list(stream.blocks()) == []
