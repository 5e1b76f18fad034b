"""The one normalisation and the one tokenisation every text dimension shares.

Normalised text (what `text_sha256` hashes and MinHash shingles): newlines unified (CRLF and CR as LF), Unicode
NFKC, casefolded, every run of whitespace replaced by one space, stripped at both ends. Words: the maximal runs of
`\\w` characters (Python's Unicode word class: alphanumerics and the underscore) of the normalised text.

Words are found without a Python object per word: the casefolded text becomes an array of code points, a table
lookup marks the word characters, and word boundaries, lengths and hashes are numpy operations on that array.
Whitespace is never a word character, so the words of the casefolded text are those of the normalised text.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import numpy.typing as npt

from polyphony.scoring.minhash import hash_words

_WORD = re.compile(r"\w+")
WORD_CHAR = 1  # bit of `character_classes`: a \w character
DIGIT_CHAR = 2  # bit of `character_classes`: a character str.isdigit() accepts, or the underscore


def unify_newlines(text: str) -> str:
    """CRLF and lone CR as LF, so line statistics do not depend on the writer's platform."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def casefolded(text: str) -> str:
    """NFKC, then casefolded: the normalised text before whitespace is collapsed."""
    if text.isascii():  # NFKC leaves ASCII alone, and casefold() is lower() on it
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def normalise(text: str) -> str:
    """The normalised form of `text` (see the module docstring)."""
    return " ".join(casefolded(text).split())


@cache
def character_classes() -> npt.NDArray[np.uint8]:
    """WORD_CHAR and DIGIT_CHAR bits of every code point, found with the regex engine's own \\w (built once)."""
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    word_chars = "".join(_WORD.findall(every))
    table = np.zeros(0x110000, dtype=np.uint8)
    table[code_points(word_chars)] = WORD_CHAR
    digits = [char for char in word_chars if char.isdigit() or char == "_"]
    table[code_points("".join(digits))] |= DIGIT_CHAR
    return table


def code_points(text: str) -> npt.NDArray[np.uint32]:
    """The code points of `text` as an array (one element per character, as len() counts them)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass
class Tokens:
    """A text, its normalised form, its words and their hashes: computed once, read by every step."""

    text: str  # newlines unified

    @cached_property
    def casefolded(self) -> str:
        return casefolded(self.text)

    @cached_property
    def normalised(self) -> str:
        return " ".join(self.casefolded.split())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.normalised.encode()).hexdigest()

    @cached_property
    def _word_classes(
        self,
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """The word characters' code points and classes, the index of each word's first one among them, and each
        word's length."""
        points = code_points(self.casefolded)
        classes = character_classes()[points]
        in_word = (classes & WORD_CHAR).astype(bool)
        edges = np.diff(in_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = (edges == 1).nonzero()[0]
        lengths = (edges == -1).nonzero()[0] - starts
        first = np.cumsum(lengths) - lengths  # word starts once the other characters are dropped
        return points[in_word], classes[in_word], first, lengths

    @cached_property
    def word_count(self) -> int:
        return len(self._word_classes[2])

    @cached_property
    def word_lengths(self) -> npt.NDArray[np.int64]:
        return self._word_classes[3].astype(np.int64, copy=False)

    @cached_property
    def hashes(self) -> npt.NDArray[np.uint64]:
        chars, _, first, lengths = self._word_classes
        return hash_words(chars, first=first, lengths=lengths)

    @cached_property
    def letter_words(self) -> int:
        """Words holding a character other than a digit or the underscore."""
        _, classes, first, _ = self._word_classes
        if len(first) == 0:
            return 0
        others = np.add.reduceat((classes & DIGIT_CHAR) == 0, first)
        return int(np.count_nonzero(others))

    @cached_property
    def words(self) -> list[str]:
        """The words as strings (the definition the arrays above implement; not used by the statistics)."""
        return _WORD.findall(self.normalised)

    @cached_property
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return [line for line in map(str.strip, self.text.split("\n")) if line]

    @cached_property
    def paragraphs(self) -> list[str]:
        """Non-blank paragraphs (separated by blank lines), stripped."""
        return [para for para in map(str.strip, re.split(r"\n[ \t]*\n", self.text)) if para]
