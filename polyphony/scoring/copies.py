"""Copies of documents: what the shared index keeps of each kept document, and how similar two documents are
(policies with a `document_copies` section: v2 on).

Every kept document has a key, the first 8 bytes of the sha256 of its normalised text: two documents with the
same key are exact copies. A kept document of `near_min_words` words or more also has a MinHash signature of its
word `shingle_words`-grams (`polyphony.scoring.minhash`, with this section's seed and permutations) and, from it,
two things:
- its LSH band values, `bands` bands of `rows` signature values each (the first bands x rows values): a document
  sharing a band value with an earlier one is a candidate near copy;
- its compact signature, the low byte of every signature value ("b-bit minwise hashing", Li and König 2010): what
  the index stores, 1 byte per permutation instead of 4. Two documents' low bytes agree where their full values
  agree, and by chance (1 in 256) where they differ, so the share of equal bytes E estimates the Jaccard
  similarity J = (E - 1/256) / (1 - 1/256).
A candidate is a near copy when that estimate reaches `threshold_bp`.

Why 3-word shingles, not the 5 of the contribution-level check: a document whose sentences are shuffled or one
word in twenty changed keeps about 0.8 of its 3-word shingles and 0.65 of its 5-word ones; between distinct
documents both are near zero.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from polyphony.scoring.minhash import signature
from polyphony.scoring.results import BP
from polyphony.scoring.text import Tokens

KEY_BYTES = 8
_BYTE_VALUES = 256


@dataclass(frozen=True)
class DocumentKey:
    """What the index keeps of one kept document: its index in the upload, the key of its text, its word count,
    and, for a document long enough to be checked for near copies, its compact signature and band values."""

    index: int
    key: bytes
    words: int
    compact: bytes | None = None
    bands: tuple[bytes, ...] = ()


def document_key(index: int, tokens: Tokens, *, words: int, config: Mapping[str, Any]) -> DocumentKey:
    """The key (and, from `near_min_words` words, the compact signature and band values) of one document."""
    key = bytes.fromhex(tokens.sha256)[:KEY_BYTES]
    if words < int(config["near_min_words"]):
        return DocumentKey(index, key, words)
    full = signature(tokens.hashes, config=config)
    if full is None:
        return DocumentKey(index, key, words)
    values = np.asarray(full, dtype="<u4")
    return DocumentKey(
        index, key, words, compact=(values & 0xFF).astype(np.uint8).tobytes(), bands=_bands(values, config)
    )


def _bands(values: np.ndarray, config: Mapping[str, Any]) -> tuple[bytes, ...]:
    rows = int(config["rows"])
    packed = values.tobytes()
    width = rows * 4
    return tuple(
        hashlib.blake2b(bytes([band]) + packed[band * width : (band + 1) * width], digest_size=8).digest()
        for band in range(int(config["bands"]))
    )


def similarity_bp(a: bytes, b: bytes) -> int:
    """The Jaccard similarity two compact signatures estimate, in basis points (0 when below chance)."""
    if len(a) != len(b) or not a:
        raise ValueError("compact signatures of different lengths, or empty, cannot be compared")
    equal = int(np.count_nonzero(np.frombuffer(a, dtype=np.uint8) == np.frombuffer(b, dtype=np.uint8)))
    # E = equal / n; J = (E - 1/256) / (1 - 1/256) = (256 * equal - n) / (255 * n), in integers
    return max(0, (_BYTE_VALUES * equal - len(a)) * BP // ((_BYTE_VALUES - 1) * len(a)))


class EarlierInUpload:
    """The documents of an upload kept so far, by band value: what a later document of it may nearly copy."""

    def __init__(self, *, threshold_bp: int) -> None:
        self.threshold_bp = threshold_bp
        self._by_band: dict[bytes, list[DocumentKey]] = {}

    def nearly_copied(self, candidate: DocumentKey) -> int | None:
        """The index of the earliest kept document that `candidate` nearly copies, or None."""
        if candidate.compact is None:
            return None
        sharing = {earlier.index: earlier for band in candidate.bands for earlier in self._by_band.get(band, ())}
        for index in sorted(sharing):
            compact = sharing[index].compact
            if compact is not None and similarity_bp(candidate.compact, compact) >= self.threshold_bp:
                return index
        return None

    def add(self, key: DocumentKey) -> None:
        """Count `key`'s document as kept."""
        for band in key.bands:
            self._by_band.setdefault(band, []).append(key)
