"""The shared duplicate index on a real Redis: lower positions only, anchoring order, idempotent adds, few keys."""

import uuid

import pytest
from redis import Redis

from polyphony.scores.index import IndexEntry, ScoringIndex, anchoring_position

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
