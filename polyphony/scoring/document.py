"""One document as every gate sees it: its text, with its statistics and its language, each computed once.

A document is one record of a JSONL, CSV or Parquet text upload (its text field), or a whole plain-text file.
"""

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from polyphony.scoring.classifiers import LanguageGuess, detect_language, sample_units
from polyphony.scoring.stats import TextStatistics
from polyphony.scoring.text import Tokens, unify_newlines


class Document:
    """A document's text (newlines unified), its tokens and statistics, and its language guess."""

    def __init__(self, text: str, *, language_sample: Mapping[str, Any]) -> None:
        self.text = unify_newlines(text)
        self.tokens = Tokens(self.text)
        self.stats = TextStatistics(self.tokens)
        self._language_sample = language_sample

    @cached_property
    def language(self) -> LanguageGuess:
        """fastText lid.176 on the document's sampled paragraphs (or lines, for a text without blank lines), as
        written and in lower case, the more confident of the two: the model reads text in capitals ("THE SOFTWARE
        IS PROVIDED AS IS") as nobody's language, and lower case costs German its capitalised nouns."""
        units = self.tokens.paragraphs if len(self.tokens.paragraphs) > 1 else self.tokens.lines
        sample = sample_units(units, config=self._language_sample)
        guesses = (detect_language(sample), detect_language([unit.lower() for unit in sample]))
        return max(guesses, key=lambda guess: guess.confidence_bp)


def words_of(text: str) -> int:
    """The words of a document as the scorer counts them (its kept words are the sum of these)."""
    return Tokens(unify_newlines(text)).word_count
