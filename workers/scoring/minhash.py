"""MinHash signatures of word 5-grams and their LSH band keys (Broder 1997, "On the resemblance and containment
of documents"; banding as in Leskovec, Rajaraman and Ullman, "Mining of Massive Datasets", ch. 3).

Every hash is spelled out so anyone can recompute a signature in another language:
- word hash: the first 8 bytes, little-endian, of blake2b(word as UTF-8, digest_size=8);
- shingle hash of words w0..w4: h = w0, then h = (h * 0x100000001b3) xor w_k mod 2^64 for k = 1..4, then the
  splitmix64 finaliser (Steele, Lea and Flood 2014);
- permutation j: p_j(h) = ((a_j * h + b_j) mod 2^64) >> 32 (multiply-shift, Dietzfelbinger et al. 1997), with
  a_j (forced odd) and b_j the first 8 bytes, little-endian, of blake2b(f"{seed}:{j}:a" / ":b", digest_size=8);
- signature value j: the minimum of p_j over the document's distinct shingles (a 32-bit integer);
- band key b: hex of blake2b(bytes([b]) + rows of band b as little-endian uint32, digest_size=10).
A text of fewer words than a shingle is one shingle of all its words. All arithmetic is uint64 with wrap-around,
which numpy does identically on every platform.
"""

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
_FNV_PRIME = np.uint64(0x100000001B3)
# Word hashes are a pure function of the word, so a process keeps them: most words recur from text to text.
_WORD_HASHES: dict[str, int] = {}
_WORD_HASHES_MAX = 2**20
_CHUNK = 4096  # shingles per block: a block times 128 permutations is 4 MB of uint64


def word_hashes(words: Sequence[str]) -> U64:
    """The 64-bit hash of each word (blake2b-64), computed once per distinct word and kept for later texts."""
    if len(_WORD_HASHES) > _WORD_HASHES_MAX:
        _WORD_HASHES.clear()
    for word in dict.fromkeys(words):
        if word not in _WORD_HASHES:
            _WORD_HASHES[word] = _blake64(word.encode())
    return np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def ngram_hashes(hashes: U64, n: int) -> U64:
    """The 64-bit hash of each run of `n` consecutive words (one hash of all words when there are fewer)."""
    n = max(1, min(n, len(hashes)))
    count = len(hashes) - n + 1
    combined = hashes[:count].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            combined *= _FNV_PRIME
            combined ^= hashes[k : k + count]
    return combined


def signature(hashes: U64, *, config: Mapping[str, Any]) -> tuple[int, ...] | None:
    """MinHash signature of the word hashes' shingles, or None when there is no word."""
    if len(hashes) == 0:
        return None
    # A repeated shingle cannot change a minimum, so the shingles are not deduplicated first.
    shingles = _splitmix64(ngram_hashes(hashes, int(config["shingle_words"])))
    a, b = _permutations(str(config["seed"]), int(config["num_perm"]))
    lowest = np.full(len(a), np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(shingles), _CHUNK):
            block = shingles[start : start + _CHUNK, None] * a
            block += b
            np.minimum(lowest, block.min(axis=0), out=lowest)
    # The shift is monotone, so it commutes with the minimum: shift once at the end.
    return tuple(int(value) for value in lowest >> np.uint64(32))


def band_keys(minhash: Sequence[int] | None, *, config: Mapping[str, Any]) -> tuple[str, ...]:
    """One hex key per LSH band; two signatures sharing any key are near-duplicate candidates."""
    if minhash is None:
        return ()
    rows = int(config["rows"])
    values = np.asarray(minhash, dtype="<u4")
    return tuple(
        hashlib.blake2b(bytes([band]) + values[band * rows : (band + 1) * rows].tobytes(), digest_size=10).hexdigest()
        for band in range(int(config["bands"]))
    )


def minhash_similarity_bp(a: Sequence[int], b: Sequence[int]) -> int:
    """Estimated Jaccard similarity of two signatures in basis points: equal positions * 10000 // length."""
    if len(a) != len(b) or not a:
        raise ValueError("signatures of different lengths, or empty, cannot be compared")
    equal = int(np.count_nonzero(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64)))
    return equal * 10_000 // len(a)


def _blake64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _splitmix64(values: U64) -> U64:
    """The splitmix64 finaliser: spreads the FNV fold's bits over the whole word."""
    mixed = values.copy()
    with np.errstate(over="ignore"):
        mixed ^= mixed >> np.uint64(30)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(27)
        mixed *= np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(31)
    return mixed


@cache
def _permutations(seed: str, count: int) -> tuple[U64, U64]:
    a = np.array([_blake64(f"{seed}:{j}:a".encode()) | 1 for j in range(count)], dtype=np.uint64)
    b = np.array([_blake64(f"{seed}:{j}:b".encode()) for j in range(count)], dtype=np.uint64)
    return a, b
