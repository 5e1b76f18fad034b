"""The duplicate index every scoring worker shares, in Redis: never in one worker's memory.

Per scoring policy it keeps, for each indexed contribution, its anchoring position (batch id, then leaf order),
its file and normalised-text sha256, its MinHash LSH band keys and its MinHash signature. Lookups go by value:
one Redis hash per kind of value (file sha256, text sha256, and one per LSH band number) maps the raw bytes of a
value to the packed records (anchoring position, contribution id) of every contribution that has it. So a
policy's index is a fixed, small number of keys however many contributions it holds (a key per value costs
~190 bytes of Redis bookkeeping before its content; 16 bands made that ~3 KB per contribution). The records under
one value are few (a band value is shared by near copies only), so reading them all and keeping those whose
position is lower than the reader's is cheap, and the answer does not depend on the order in which workers added
their entries: a contribution is compared only with entries whose position is lower than its own, whoever wrote
them and whenever.

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
        self._add = redis.register_script(_ADD_ENTRY)

    def add(self, entry: IndexEntry) -> None:
        """Index `entry` (again: adding the same entry twice changes nothing)."""
        values = [("file", entry.content_sha256), *((f"band:{b}", band) for b, band in enumerate(entry.lsh_bands))]
        if entry.text_sha256 is not None:
            values.append(("text", entry.text_sha256))
        signature = _pack(entry.minhash) if entry.minhash is not None else b""
        record = _RECORD.pack(entry.position, entry.contribution_id)
        # One script: Redis runs it at once, so an entry counts as indexed only with everything else in.
        self._add(
            keys=[self._key("indexed"), self._key("signatures"), *(self._key(kind) for kind, _ in values)],
            args=[str(entry.contribution_id), str(entry.position), record, signature,
                  *(bytes.fromhex(value) for _, value in values)],
        )  # fmt: skip

    def filled(self) -> bool:
        """Whether every contribution scored under an earlier policy is in this index (see `mark_filled`)."""
        return bool(self.redis.exists(self._key("filled")))

    def mark_filled(self) -> None:
        """Record that this index holds every contribution scored under an earlier policy."""
        self.redis.set(self._key("filled"), 1)

    def add_placeholder(self, contribution_id: int, *, position: int) -> None:
        """Count a contribution whose bytes cannot be read as indexed, with nothing to compare: later ones go on."""
        self.redis.zadd(self._key("indexed"), {str(contribution_id): float(position)})

    def earliest_copy(self, *, content_sha256: str, text_sha256: str | None, before: int) -> int | None:
        """The earliest contribution before position `before` with the same file or normalised-text sha256."""
        values = [("file", content_sha256)]
        if text_sha256 is not None:
            values.append(("text", text_sha256))
        found = self._before(values, before)
        return min(found)[1] if found else None

    def near_candidates(self, lsh_bands: Iterable[str], *, before: int) -> list[int]:
        """Contributions before position `before` sharing at least one LSH band, in anchoring order."""
        found = self._before([(f"band:{b}", band) for b, band in enumerate(lsh_bands)], before)
        return [contribution_id for _, contribution_id in sorted(found)]

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

    def _before(self, values: Sequence[tuple[str, str]], before: int) -> set[tuple[int, int]]:
        """The (position, contribution id) records held under any of `values` whose position is below `before`."""
        pipe = self.redis.pipeline(transaction=False)
        for kind, value in values:
            pipe.hget(self._key(kind), bytes.fromhex(value))
        held = b"".join(_bytes(raw) for raw in pipe.execute() if raw is not None)
        return {record for record in _RECORD.iter_unpack(held) if record[0] < before}

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)


# A record: anchoring position and contribution id, little-endian. Records are appended under a value once each.
_RECORD = struct.Struct("<QI")

# KEYS: indexed set, signatures hash, then one hash per value; ARGV: member, position, record, packed signature
# (empty for none), then each value's raw bytes. Records are compared at record boundaries only.
_ADD_ENTRY = """
local record, size = ARGV[3], #ARGV[3]
for i = 3, #KEYS do
  local value = ARGV[i + 2]
  local held = redis.call('HGET', KEYS[i], value)
  if not held then
    redis.call('HSET', KEYS[i], value, record)
  else
    local seen = false
    for at = 1, #held, size do
      if string.sub(held, at, at + size - 1) == record then seen = true break end
    end
    if not seen then redis.call('HSET', KEYS[i], value, held .. record) end
  end
end
if #ARGV[4] > 0 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""

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
