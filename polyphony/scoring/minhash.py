"""MinHash signatures of word 5-grams and their LSH band keys (Broder 1997, "On the resemblance and containment
of documents"; banding as in Leskovec, Rajaraman and Ullman, "Mining of Massive Datasets", ch. 3).

Every hash is spelled out so anyone can recompute a signature in another language:
- word hash: each code point c_k of the word at offset k (0 for its first character) gives
  f((k << 32) | c_k), f(x) = y xor (y >> 32) with y = x * 0x9E3779B97F4A7C15; the word hash is the splitmix64
  finaliser (Steele, Lea and Flood 2014) of the sum of those values. A sum of per-character terms is computed for
  every word at once with numpy, with no Python object per word;
- shingle hash of words w0..w4: h = w0, then h = (h * 0x100000001b3) xor w_k mod 2^64 for k = 1..4, then the
  splitmix64 finaliser;
- permutation j: p_j(x) = (a_j * x + b_j) mod 2^32 of x, the high 32 bits of the shingle hash, with a_j (forced
  odd) and b_j the first 4 bytes, little-endian, of blake2b(f"{seed}:{j}:a" / ":b", digest_size=8): a bijection
  of the 32-bit values per j, in 32-bit arithmetic, which CPUs vectorise (64-bit products they do not);
- signature value j: the minimum of p_j over the document's shingles (a 32-bit integer);
- band key b: hex of blake2b(bytes([b]) + rows of band b as little-endian uint32, digest_size=10).
A text of fewer words than a shingle is one shingle of all its words. All arithmetic is unsigned with wrap-around,
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
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 8192  # shingles per block: a block times 128 permutations is 4 MB of uint32


def word_hashes(words: Sequence[str]) -> U64:
    """The 64-bit hash of each word (see the module docstring)."""
    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    chars = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return hash_words(chars, first=np.cumsum(lengths) - lengths, lengths=lengths)


def hash_words(chars: npt.NDArray[np.uint32], *, first: npt.NDArray[np.intp], lengths: npt.NDArray[np.intp]) -> U64:
    """The hash of each word, given the words' code points end to end, the index where each word starts and its
    length."""
    if len(first) == 0:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.arange(len(chars), dtype=np.uint64) - np.repeat(first.astype(np.uint64), lengths)
    terms = offsets << np.uint64(32)
    terms |= chars
    with np.errstate(over="ignore"):
        terms *= _GOLDEN
        terms ^= terms >> np.uint64(32)
        return splitmix64(np.add.reduceat(terms, first))


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
    shingles = splitmix64(ngram_hashes(hashes, int(config["shingle_words"])))
    high = (shingles >> np.uint64(32)).astype(np.uint32)
    a, b = _permutations(str(config["seed"]), int(config["num_perm"]))
    lowest = np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(high), _CHUNK):
        block = high[start : start + _CHUNK, None] * a
        block += b
        np.minimum(lowest, block.min(axis=0), out=lowest)
    return tuple(lowest.tolist())


def band_keys(minhash: Sequence[int] | None, *, config: Mapping[str, Any]) -> tuple[str, ...]:
    """One hex key per LSH band; two signatures sharing any key are near-duplicate candidates."""
    if minhash is None:
        return ()
    width = int(config["rows"]) * 4  # bytes of one band's rows
    packed = np.asarray(minhash, dtype="<u4").tobytes()
    return tuple(
        hashlib.blake2b(bytes([band]) + packed[band * width : (band + 1) * width], digest_size=10).hexdigest()
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


def splitmix64(values: U64) -> U64:
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
def _permutations(seed: str, count: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    a = np.array([_blake64(f"{seed}:{j}:a".encode()) & 0xFFFFFFFF | 1 for j in range(count)], dtype=np.uint32)
    b = np.array([_blake64(f"{seed}:{j}:b".encode()) & 0xFFFFFFFF for j in range(count)], dtype=np.uint32)
    return a, b
