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
DECIMAL_CHAR = 4  # bit of `character_classes`: a character the regex engine's \d matches
ASCII_LOWER_CHAR = 8  # bit of `character_classes`: a-z
VOWEL_CHAR = 16  # bit of `character_classes`: a, e, i, o, u, y
_DECIMAL = re.compile(r"\d")
_UNDERSCORE = ord("_")


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
    """WORD_CHAR, DIGIT_CHAR and DECIMAL_CHAR bits of every code point, found with the regex engine's own \\w
    and \\d (built once)."""
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    word_chars = "".join(_WORD.findall(every))
    table = np.zeros(0x110000, dtype=np.uint8)
    table[code_points(word_chars)] = WORD_CHAR
    digits = [char for char in word_chars if char.isdigit() or char == "_"]
    table[code_points("".join(digits))] |= DIGIT_CHAR
    table[code_points("".join(_DECIMAL.findall(word_chars)))] |= DECIMAL_CHAR
    table[ord("a") : ord("z") + 1] |= ASCII_LOWER_CHAR
    table[code_points(_VOWELS)] |= VOWEL_CHAR
    return table


@cache
def _ascii_classes() -> npt.NDArray[np.uint8]:
    return character_classes()[:128].copy()


@cache
def upper_case() -> npt.NDArray[np.bool_]:
    """Which code points are upper-case word characters (str.isupper()), a table built once."""
    table = np.zeros(0x110000, dtype=bool)
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table[code_points("".join(char for char in _WORD.findall(every) for char in char if char.isupper()))] = True
    return table


_VOWELS = "aeiouy"


@cache
def _whitespace(ascii_only: bool) -> tuple[str, ...]:
    """What str.split() splits on: the characters str.isspace() accepts (the ASCII ones alone, for ASCII text)."""
    return tuple(char for char in map(chr, range(0x80 if ascii_only else 0x110000)) if char.isspace())


def non_space_chars(text: str) -> int:
    """The characters of `text` other than whitespace: sum(map(len, text.split())), without a string per word."""
    return len(text) - sum(map(text.count, _whitespace(text.isascii())))


@dataclass(frozen=True)
class WordShapes:
    """Counts of words by the letters they are made of (the words of `Tokens`)."""

    latin: int  # of 4+ characters, all of them a-z
    vowelless_latin: int  # of those, the ones holding none of a, e, i, o, u, y
    with_runs: int  # holding a run of 4+ identical characters


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
        folded = self.casefolded
        points: npt.NDArray[np.uint8] | npt.NDArray[np.uint32]
        if folded.isascii():  # one byte a character, and a 128-entry table that stays in cache
            points = np.frombuffer(folded.encode("ascii"), dtype=np.uint8)
            classes = _ascii_classes()[points]
        else:
            points = code_points(folded)
            classes = character_classes()[points]
        in_word = (classes & WORD_CHAR).astype(bool)
        edges = np.diff(in_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = (edges == 1).nonzero()[0]
        lengths = (edges == -1).nonzero()[0] - starts
        first = np.cumsum(lengths) - lengths  # word starts once the other characters are dropped
        return points[in_word].astype(np.uint32, copy=False), classes[in_word], first, lengths

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
    def word_shapes(self) -> WordShapes:
        """What `[a-z]{4,}`, `[aeiouy]` and `(\\w)\\1{3,}` find in each word, counted over the words at once."""
        chars, classes, first, lengths = self._word_classes
        if len(first) == 0:
            return WordShapes(0, 0, 0)
        ascii_letters = np.add.reduceat((classes & ASCII_LOWER_CHAR) != 0, first)
        latin = (ascii_letters == lengths) & (lengths >= 4)
        vowels = np.add.reduceat((classes & VOWEL_CHAR) != 0, first)
        # A run of four: three neighbours in a row equal to the next character, inside one word.
        word_starts = np.zeros(len(chars), dtype=bool)
        word_starts[first] = True
        same = (chars[1:] == chars[:-1]) & ~word_starts[1:]
        runs_at = (same[:-2] & same[1:-1] & same[2:]).nonzero()[0]
        with_runs = 0
        if len(runs_at):  # the words the runs are in, in order: how many differ from the one before
            word_of_run = np.searchsorted(first, runs_at, side="right")
            with_runs = 1 + int(np.count_nonzero(word_of_run[1:] != word_of_run[:-1]))
        return WordShapes(int(np.count_nonzero(latin)), int(np.count_nonzero(latin & (vowels == 0))), with_runs)

    @cached_property
    def capitalised_words(self) -> tuple[int, int]:
        """The words as written that `[^\\W\\d_]\\w*` finds in the text before normalisation (each \\w run from
        its first character that is neither \\d nor the underscore): how many start with an upper-case letter, and
        how many there are."""
        points: npt.NDArray[np.uint8] | npt.NDArray[np.uint32]
        if self.text.isascii():  # one byte a character, and a 128-entry table, as in `_word_classes`
            points = np.frombuffer(self.text.encode("ascii"), dtype=np.uint8)
            classes = _ascii_classes()[points]
        else:
            points = code_points(self.text)
            classes = character_classes()[points]
        in_word = (classes & WORD_CHAR).astype(bool)
        run_starts = in_word.copy()
        run_starts[1:] &= ~in_word[:-1]
        runs = np.cumsum(run_starts)
        letters = (in_word & ((classes & DECIMAL_CHAR) == 0) & (points != _UNDERSCORE)).nonzero()[0]
        if len(letters) == 0:
            return 0, 0
        first_of_run = np.ones(len(letters), dtype=bool)
        first_of_run[1:] = runs[letters[1:]] != runs[letters[:-1]]
        firsts = points[letters[first_of_run]]
        return int(np.count_nonzero(upper_case()[firsts])), len(firsts)

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
