"""The duplicate index every scoring worker shares, in Redis: never in one worker's memory.

Per scoring policy it keeps, for each indexed contribution, its anchoring position (batch id, then leaf order),
its file and normalised-text sha256, its MinHash LSH band keys and its MinHash signature. Each key is a
sorted set scored by anchoring position, so "which contributions came before position p" is one range read,
and the answer does not depend on the order in which workers added their entries: a contribution is compared
only with entries whose position is lower than its own, whoever wrote them and whenever.

The corpus embedding centroid for the advisory novelty dimension lives here too (a running sum and a count).
"""

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redis import Redis

# A sorted-set score is a double: exact integers up to 2**53, so positions stay exact up to 2**21 batches.
_LEAF_BITS = 32


def anchoring_position(*, batch_id: int, contribution_id: int) -> int:
    """The total order duplicates are decided in: batch id first, then leaf order (contribution id) within it."""
    return (batch_id << _LEAF_BITS) | contribution_id


@dataclass(frozen=True)
class IndexEntry:
    """What the index keeps of one scored contribution."""

    contribution_id: int
    position: int
    content_sha256: str
    text_sha256: str | None
    minhash: tuple[int, ...] | None
    lsh_bands: tuple[str, ...]


class ScoringIndex:
    """The shared index of one scoring policy."""

    def __init__(self, redis: Redis, *, policy_hash: str) -> None:
        self.redis = redis
        self.prefix = f"polyphony:scoring:{policy_hash}:"

    def add(self, entry: IndexEntry) -> None:
        """Index `entry` (again: adding the same entry twice changes nothing)."""
        member, position = str(entry.contribution_id), float(entry.position)
        keys = [self._key("file", entry.content_sha256), *(self._key("band", band) for band in entry.lsh_bands)]
        if entry.text_sha256 is not None:
            keys.append(self._key("text", entry.text_sha256))
        pipe = self.redis.pipeline(transaction=True)
        if entry.minhash is not None:
            pipe.hset(self._key("signatures"), member, _pack(entry.minhash))
        for key in keys:
            pipe.zadd(key, {member: position})
        # Last: an entry counts as indexed only once everything above is in (MULTI/EXEC applies it at once).
        pipe.zadd(self._key("indexed"), {member: position})
        pipe.execute()

    def add_placeholder(self, contribution_id: int, *, position: int) -> None:
        """Count a contribution whose bytes cannot be read as indexed, with nothing to compare: later ones go on."""
        self.redis.zadd(self._key("indexed"), {str(contribution_id): float(position)})

    def earliest_copy(self, *, content_sha256: str, text_sha256: str | None, before: int) -> int | None:
        """The earliest contribution before position `before` with the same file or normalised-text sha256."""
        keys = [self._key("file", content_sha256)]
        if text_sha256 is not None:
            keys.append(self._key("text", text_sha256))
        found = [hit for key in keys for hit in self._before(key, before, limit=1)]
        return min(found, key=lambda hit: hit[1])[0] if found else None

    def near_candidates(self, lsh_bands: Iterable[str], *, before: int) -> list[int]:
        """Contributions before position `before` sharing at least one LSH band, in anchoring order."""
        positions: dict[int, float] = {}
        for band in lsh_bands:
            positions.update(self._before(self._key("band", band), before, limit=None))
        return sorted(positions, key=lambda contribution_id: (positions[contribution_id], contribution_id))

    def signatures(self, contribution_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """The MinHash signatures of `contribution_ids` that the index holds."""
        if not contribution_ids:
            return {}
        packed = self.redis.hmget(self._key("signatures"), [str(i) for i in contribution_ids])
        return {i: _unpack(_bytes(raw)) for i, raw in zip(contribution_ids, packed, strict=True) if raw is not None}

    def missing(self, contribution_ids: Sequence[int]) -> list[int]:
        """Those of `contribution_ids` not indexed yet."""
        if not contribution_ids:
            return []
        scores = self.redis.zmscore(self._key("indexed"), [str(i) for i in contribution_ids])
        return [i for i, score in zip(contribution_ids, scores, strict=True) if score is None]

    def corpus_centroid(self) -> tuple[list[float], int]:
        """The sum of every added contribution embedding and how many there are."""
        raw_sum, raw_count = self.redis.mget([self._key("embedding_sum"), self._key("embedding_count")])
        if raw_sum is None or not raw_count:
            return [], 0
        return list(struct.unpack(f"<{len(raw_sum) // 8}d", _bytes(raw_sum))), int(raw_count)

    def add_embedding(self, contribution_id: int, embedding: Sequence[float]) -> None:
        """Add `embedding` to the corpus sum, once per contribution (a Lua script: atomic across workers)."""
        self.redis.eval(
            _ADD_EMBEDDING, 3, self._key("embedded"), self._key("embedding_sum"), self._key("embedding_count"),
            str(contribution_id), struct.pack(f"<{len(embedding)}d", *embedding),
        )  # fmt: skip

    def _before(self, key: str, before: int, *, limit: int | None) -> list[tuple[int, float]]:
        start = 0 if limit is not None else None
        hits = self.redis.zrangebyscore(key, "-inf", f"({before}", start=start, num=limit, withscores=True)
        return [(int(hit[0]), float(hit[1])) for hit in hits]

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)


# Vector addition in Lua on 8-byte little-endian doubles; SADD makes a second add of one contribution a no-op.
_ADD_EMBEDDING = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local new = ARGV[2]
local old = redis.call('GET', KEYS[2])
local n = #new / 8
local out = {}
for i = 0, n - 1 do
  local x = struct.unpack('<d', new, i * 8 + 1)
  if old then x = x + struct.unpack('<d', old, i * 8 + 1) end
  out[i + 1] = struct.pack('<d', x)
end
redis.call('SET', KEYS[2], table.concat(out))
redis.call('INCR', KEYS[3])
return 1
"""


def _bytes(raw: bytes | str) -> bytes:
    # The client is made without decode_responses, so Redis answers bytes; the typing allows either.
    return raw if isinstance(raw, bytes) else raw.encode("latin-1")


def _pack(signature: tuple[int, ...]) -> bytes:
    # MinHash values are 32-bit (each permutation keeps the high half of a 64-bit product).
    return struct.pack(f"<{len(signature)}I", *signature)


def _unpack(raw: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(raw) // 4}I", raw)
