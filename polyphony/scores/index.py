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

Under a policy that checks each document for copies (v2 on), the index also keeps every kept document of every
contribution (`add_documents`, `document_copies`), in two hashes whose size per document is what the index costs:
- `docs`: a document's key (8 bytes of its normalised text's sha256) -> the earliest anchoring position that has
  it (big-endian), its index in that upload and, for a document long enough for near copies, its compact
  signature (`polyphony.scoring.copies`). The earliest is kept whichever worker writes last, so an exact copy is
  an entry whose position is lower than the reader's;
- `docbands`: a bucket (the band number and the first 2 bytes of a band value) -> records of the rest of the band
  value (4 bytes) and the document key. Buckets, not one field per band value: Redis spends ~60 bytes on every
  hash field, which for 16 bands was most of a document's entry; a bucket's records are read together (at 10M
  documents ~150 records, 1.8 KB, per bucket).

The corpus embedding centroid for the advisory novelty dimension lives here too (a running sum and a count).
"""

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redis import Redis

from polyphony.scoring.copies import KEY_BYTES, DocumentKey, similarity_bp
from polyphony.scoring.results import BP, DocumentCopy

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
        self._add_document = redis.register_script(_ADD_DOCUMENT)

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

    def add_documents(self, *, position: int, keys: Sequence[DocumentKey]) -> None:
        """Index the kept documents of the contribution at `position` (again: adding twice changes nothing).

        Called before `add`, whose entry marks the contribution indexed: so a contribution counts as indexed only
        once all its documents are in."""
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            value = _POSITION.pack(position >> _LEAF_BITS, position & _LEAF_MASK, key.index) + (key.compact or b"")
            band_fields = [_bucket(band_number, band) for band_number, band in enumerate(key.bands)]
            band_records = [band[_BUCKET_BYTES:_BAND_BYTES] + key.key for band in key.bands]
            pairs = [item for pair in zip(band_fields, band_records, strict=True) for item in pair]
            self._add_document(
                keys=[self._key("docs"), self._key("docbands")], args=[key.key, value, *pairs], client=pipe
            )
        pipe.execute()

    def document_copies(
        self, keys: Sequence[DocumentKey], *, before: int, threshold_bp: int
    ) -> tuple[DocumentCopy, ...]:
        """The documents of `keys` that copy, or nearly copy, a document of a contribution before `before`."""
        exact = self._earliest_documents([key.key for key in keys])
        copies = [_exact_copy(key, exact.get(key.key), before=before) for key in keys]
        found = {copy.index: copy for copy in copies if copy is not None}
        unsettled = [key for key in keys if key.index not in found and key.compact is not None]
        candidates = self._band_neighbours(unsettled)
        held = self._earliest_documents(sorted({other for near in candidates.values() for other in near}))
        for key in unsettled:
            copy = _nearest_copy(key, candidates.get(key.index, set()), held, before=before, threshold_bp=threshold_bp)
            if copy is not None:
                found[key.index] = copy
        return tuple(found[index] for index in sorted(found))

    def _earliest_documents(self, document_keys: Sequence[bytes]) -> dict[bytes, "_HeldDocument"]:
        if not document_keys:
            return {}
        raw = self.redis.hmget(self._key("docs"), list(document_keys))
        return {key: _HeldDocument.unpack(_bytes(value)) for key, value in zip(document_keys, raw, strict=True)
                if value is not None}  # fmt: skip

    def _band_neighbours(self, keys: Sequence[DocumentKey]) -> dict[int, set[bytes]]:
        """For each of `keys` (by document index), the keys of the other documents sharing one of its band values."""
        fields = sorted({_bucket(number, band) for key in keys for number, band in enumerate(key.bands)})
        if not fields:
            return {}
        buckets = dict(zip(fields, self.redis.hmget(self._key("docbands"), fields), strict=True))
        neighbours: dict[int, set[bytes]] = {}
        for key in keys:
            for number, band in enumerate(key.bands):
                held = buckets.get(_bucket(number, band))
                if held is None:
                    continue
                rest = band[_BUCKET_BYTES:_BAND_BYTES]
                for record in _records(_bytes(held), _BAND_RECORD):
                    if record[: len(rest)] == rest and record[len(rest) :] != key.key:
                        neighbours.setdefault(key.index, set()).add(record[len(rest) :])
        return neighbours

    def filled(self) -> bool:
        """Whether every contribution scored under an earlier policy is in this index (see `mark_filled`)."""
        return bool(self.redis.exists(self._key("filled")))

    def mark_filled(self) -> None:
        """Record that this index holds every contribution scored under an earlier policy."""
        self.redis.set(self._key("filled"), 1)

    def claim_refill(self, *, seconds: int) -> bool:
        """Whether the caller is the first in `seconds` to ask for this index to be filled again (see `filled`)."""
        return bool(self.redis.set(self._key("refill-asked"), 1, nx=True, ex=seconds))

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


@dataclass(frozen=True)
class _HeldDocument:
    """A `docs` entry: the earliest anchoring position with the document, its index there, its compact signature."""

    position: int
    document: int
    compact: bytes | None

    @classmethod
    def unpack(cls, raw: bytes) -> "_HeldDocument":
        batch, leaf, document = _POSITION.unpack_from(raw)
        return cls((batch << _LEAF_BITS) | leaf, document, raw[_POSITION.size :] or None)

    @property
    def contribution(self) -> int:
        return self.position & _LEAF_MASK


def _exact_copy(key: DocumentKey, held: _HeldDocument | None, *, before: int) -> DocumentCopy | None:
    if held is None or held.position >= before:
        return None
    return DocumentCopy(key.index, held.contribution, held.document, BP)


def _nearest_copy(
    key: DocumentKey, neighbours: set[bytes], held: dict[bytes, _HeldDocument], *, before: int, threshold_bp: int
) -> DocumentCopy | None:
    """The most similar earlier neighbour at or above the threshold (the earliest of equals), or None."""
    assert key.compact is not None
    best: tuple[int, int, _HeldDocument] | None = None  # (-similarity, position, entry)
    for other in neighbours:
        entry = held.get(other)
        if entry is None or entry.position >= before or entry.compact is None:
            continue
        similarity = similarity_bp(key.compact, entry.compact)
        if similarity >= threshold_bp and (best is None or (-similarity, entry.position) < best[:2]):
            best = (-similarity, entry.position, entry)
    if best is None:
        return None
    return DocumentCopy(key.index, best[2].contribution, best[2].document, -best[0])


def _bucket(band_number: int, band: bytes) -> bytes:
    return bytes([band_number]) + band[:_BUCKET_BYTES]


def _records(held: bytes, size: int) -> list[bytes]:
    return [held[at : at + size] for at in range(0, len(held), size)]


_LEAF_MASK = (1 << _LEAF_BITS) - 1
_POSITION = struct.Struct(">IIi")  # batch id, leaf (contribution id), document index: big-endian, so bytes order
_BUCKET_BYTES = 2  # of a band value, naming its bucket (with the band number)
_BAND_BYTES = 6  # of a band value compared: the bucket's 2 and 4 more in the record
_BAND_RECORD = _BAND_BYTES - _BUCKET_BYTES + KEY_BYTES

# KEYS: docs hash, docbands hash; ARGV: document key, its entry (position, index, compact signature), then
# (bucket, record) pairs. The entry with the lower position (batch id, then leaf) stays. A document already held
# has its band records in already (they follow from its text alone), so only a new one appends them: no bucket is
# scanned, and adding again changes nothing.
_ADD_DOCUMENT = """
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local batch, leaf = struct.unpack('>I4>I4', ARGV[2])
  local held_batch, held_leaf = struct.unpack('>I4>I4', held)
  if batch < held_batch or (batch == held_batch and leaf < held_leaf) then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  end
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 3, #ARGV, 2 do
  local bucket = redis.call('HGET', KEYS[2], ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], bucket and (bucket .. ARGV[i + 1]) or ARGV[i + 1])
end
return 1
"""

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
