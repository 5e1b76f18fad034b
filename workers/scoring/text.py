"""The one normalisation and the one tokenisation every text dimension shares.

Normalised text (what `text_sha256` hashes and MinHash shingles): newlines unified (CRLF and CR as LF), Unicode
NFKC, casefolded, every run of whitespace replaced by one space, stripped at both ends. Words: the maximal runs of
`\\w` characters (Python's Unicode word class) of the normalised text.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from workers.scoring.minhash import word_hashes

_WORD = re.compile(r"\w+")


def unify_newlines(text: str) -> str:
    """CRLF and lone CR as LF, so line statistics do not depend on the writer's platform."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise(text: str) -> str:
    """The normalised form of `text` (see the module docstring)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class Tokens:
    """A text, its normalised form, its words and their hashes: computed once, read by every step."""

    text: str  # newlines unified

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.normalised.encode()).hexdigest()

    @cached_property
    def words(self) -> list[str]:
        return _WORD.findall(self.normalised)

    @cached_property
    def hashes(self) -> npt.NDArray[np.uint64]:
        return word_hashes(self.words)

    @cached_property
    def word_lengths(self) -> npt.NDArray[np.int64]:
        return np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))

    @cached_property
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return [line for line in map(str.strip, self.text.split("\n")) if line]

    @cached_property
    def paragraphs(self) -> list[str]:
        """Non-blank paragraphs (separated by blank lines), stripped."""
        return [para for para in map(str.strip, re.split(r"\n[ \t]*\n", self.text)) if para]
