"""The shared duplicate index on a real Redis: lower positions only, anchoring order, idempotent adds, few keys."""

import uuid

import pytest
from redis import Redis

from polyphony.scores.index import IndexEntry, ScoringIndex, anchoring_position
from polyphony.scoring.copies import DocumentKey, similarity_bp
from polyphony.scoring.results import DocumentCopy

BANDS = tuple(f"{band:02x}" * 10 for band in range(16))


@pytest.fixture
def index(redis_url: str) -> ScoringIndex:
    return ScoringIndex(Redis.from_url(redis_url), policy_hash=uuid.uuid4().hex)


def entry(contribution_id: int, *, batch: int, sha: str, bands: tuple[str, ...] = BANDS) -> IndexEntry:
    position = anchoring_position(batch_id=batch, contribution_id=contribution_id)
    signature = tuple(range(contribution_id, contribution_id + 128))
    return IndexEntry(contribution_id, position, sha * 64, sha * 64, signature, bands)


def test_only_earlier_positions_are_candidates_in_anchoring_order(index: ScoringIndex) -> None:
    late, early, middle = entry(3, batch=1, sha="a"), entry(9, batch=0, sha="a"), entry(5, batch=1, sha="b")
    for added in (late, early, middle, late):  # any order, and once more: the same index
        index.add(added)
    assert index.near_candidates(BANDS, before=late.position) == [9]
    assert index.near_candidates(BANDS, before=late.position + 10) == [9, 3, 5]
    assert index.near_candidates(BANDS[:1], before=early.position) == []
    assert index.earliest_copy(content_sha256="a" * 64, text_sha256=None, before=late.position + 10) == 9
    assert index.earliest_copy(content_sha256="c" * 64, text_sha256="b" * 64, before=middle.position + 1) == 5
    assert index.earliest_copy(content_sha256="b" * 64, text_sha256=None, before=middle.position) is None
    assert index.signatures([3, 7]) == {3: late.minhash}
    assert index.missing([3, 5, 7, 9]) == [7]


def test_a_band_value_is_matched_in_its_own_band_only(index: ScoringIndex) -> None:
    index.add(entry(1, batch=1, sha="a"))
    shifted = BANDS[1:] + BANDS[:1]
    assert index.near_candidates(shifted, before=anchoring_position(batch_id=2, contribution_id=0)) == []


def test_the_index_is_a_fixed_number_of_keys_however_many_it_holds(index: ScoringIndex) -> None:
    for contribution_id in range(1, 41):
        bands = tuple(f"{contribution_id:04x}{band:02x}" * 5 for band in range(16))
        index.add(entry(contribution_id, batch=1, sha=f"{contribution_id % 16:x}", bands=bands))
    keys = list(index.redis.scan_iter(match=index.prefix + "*"))
    assert len(keys) == 16 + 4  # the band hashes, file, text, signatures and the indexed set


def document(index: int, key: bytes, *, compact: bytes | None = None, bands: tuple[bytes, ...] = ()) -> DocumentKey:
    return DocumentKey(index, key.ljust(8, b"\0"), words=60, compact=compact, bands=bands)


def position(contribution_id: int, batch: int = 1) -> int:
    return anchoring_position(batch_id=batch, contribution_id=contribution_id)


def test_a_document_copies_the_earliest_contribution_that_has_it_whoever_indexed_last(index: ScoringIndex) -> None:
    index.add_documents(position=position(7), keys=[document(4, b"same")])
    index.add_documents(position=position(2), keys=[document(0, b"other"), document(3, b"same")])
    index.add_documents(position=position(7), keys=[document(4, b"same")])  # again: nothing changes
    copies = index.document_copies([document(0, b"same"), document(1, b"new")], before=position(9), threshold_bp=6000)
    assert copies == (DocumentCopy(index=0, contribution=2, document=3, similarity_bp=10_000),)
    assert index.document_copies([document(0, b"same")], before=position(2), threshold_bp=6000) == ()


def test_a_near_copy_shares_a_band_value_and_enough_of_its_signature(index: ScoringIndex) -> None:
    original = bytes(range(128))
    close = original[:100] + bytes(28)  # 100 of 128 bytes equal: about 78 %
    far = original[:60] + bytes(68)
    bands = (b"\x01" * 8, b"\x02" * 8)
    index.add_documents(position=position(3), keys=[document(5, b"original", compact=original, bands=bands)])
    later = position(8)
    near = document(0, b"close", compact=close, bands=(b"\x09" * 8, bands[1]))
    unrelated = document(1, b"far", compact=far, bands=bands)
    other_band = document(2, b"shifted", compact=close, bands=(bands[1], bands[0]))  # each value in the other band
    copies = index.document_copies([near, unrelated, other_band], before=later, threshold_bp=6000)
    assert copies == (DocumentCopy(index=0, contribution=3, document=5, similarity_bp=similarity_bp(close, original)),)
    assert index.document_copies([near], before=position(3), threshold_bp=6000) == ()


def test_document_entries_grow_no_new_keys(index: ScoringIndex) -> None:
    for contribution_id in range(1, 30):
        keys = [document(n, f"{contribution_id}:{n}".encode(), compact=bytes(128), bands=(bytes([n]) * 8,))
                for n in range(5)]  # fmt: skip
        index.add_documents(position=position(contribution_id), keys=keys)
    assert sorted(index.redis.scan_iter(match=index.prefix + "*")) == [
        (index.prefix + "docbands").encode(),
        (index.prefix + "docs").encode(),
    ]
