"""Gates: each keeps or drops one document, with a stable snake_case reason, as its source uses the rule.

The rules are rejection rules in their papers, so they are applied as such, never averaged away: the first gate
that drops a document names why. Sources:
- Gopher: Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
  appendix A.1.1 (quality filters) and table A1 (repetition removal);
- C4: Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer",
  section 2.2;
- FineWeb: Penedo et al. 2024, "The FineWeb Datasets: Decanting the Web for the Finest Text Data at Scale",
  section 3.3.
The other gates are Polyphony's own, for junk those web-crawl rules were not made to see (word salad, encoded
blobs, gibberish), each defined in its docstring so anyone can recompute it. Thresholds are keyword arguments;
the policy sets them, tuned on real text of several genres and languages (bench/quality.py), not copied from
web-crawl defaults, which drop most technical prose. Every value is an integer (basis points: 10000 = all).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import numpy as np

from polyphony.scoring.document import Document
from polyphony.scoring.minhash import splitmix64, word_hashes
from polyphony.scoring.per_config import PerConfig
from polyphony.scoring.results import BP
from polyphony.scoring.stats import share
from polyphony.scoring.text import non_space_chars

KEPT = "kept"


@dataclass(frozen=True)
class GateResult:
    """Whether the document is kept, the stable reason (`kept`, or why it was dropped), and the value measured."""

    kept: bool
    reason: str = KEPT
    value: int = 0


def dropped(reason: str, value: int) -> GateResult:
    """A document dropped for `reason`, with the value that decided it."""
    return GateResult(kept=False, reason=reason, value=value)


class Gate:
    """A rule that keeps or drops one document; subclasses cite their source."""

    name: ClassVar[str]

    def check(self, doc: Document) -> GateResult:
        """Keep `doc`, or drop it with a stable reason."""
        raise NotImplementedError


class GopherRepetition(Gate):
    """Gopher table A1: too many repeated lines, paragraphs or word n-grams (in characters) mark spam."""

    name = "gopher_repetition"

    def __init__(
        self, *, max_duplicate_lines_bp: int = 3000, max_duplicate_line_chars_bp: int = 2000,
        max_duplicate_paragraphs_bp: int = 3000, max_duplicate_paragraph_chars_bp: int = 2000,
        max_top_ngram_chars_bp: Mapping[str, int] | None = None,
        max_duplicate_ngram_chars_bp: Mapping[str, int] | None = None,
    ) -> None:  # fmt: skip
        self.limits = {
            "duplicate_lines": max_duplicate_lines_bp, "duplicate_line_chars": max_duplicate_line_chars_bp,
            "duplicate_paragraphs": max_duplicate_paragraphs_bp,
            "duplicate_paragraph_chars": max_duplicate_paragraph_chars_bp,
        }  # fmt: skip
        self.top = {int(n): v for n, v in (max_top_ngram_chars_bp or {"2": 2000, "3": 1800, "4": 1600}).items()}
        default_duplicate = {"5": 1500, "6": 1400, "7": 1300, "8": 1200, "9": 1100, "10": 1000}
        self.duplicate = {int(n): v for n, v in (max_duplicate_ngram_chars_bp or default_duplicate).items()}

    def check(self, doc: Document) -> GateResult:
        stats = doc.stats
        measured = {
            "duplicate_lines": stats.duplicate_lines_bp, "duplicate_line_chars": stats.duplicate_line_chars_bp,
            "duplicate_paragraphs": stats.duplicate_paragraphs_bp,
            "duplicate_paragraph_chars": stats.duplicate_paragraph_chars_bp,
        }  # fmt: skip
        for what, limit in self.limits.items():
            if measured[what] > limit:
                return dropped(what, measured[what])
        for n, limit in sorted(self.top.items()):
            if (value := stats.top_ngram_chars_bp(n)) > limit:
                return dropped(f"top_{n}gram", value)
        for n, limit in sorted(self.duplicate.items()):
            if (value := stats.duplicate_ngram_chars_bp(n)) > limit:
                return dropped(f"duplicate_{n}gram", value)
        return GateResult(kept=True)


class GopherQuality(Gate):
    """Gopher A.1.1: length, mean word length, symbols, bullets, ellipses, alphabetic words; English stop words."""

    name = "gopher_quality"

    def __init__(
        self, *, min_words: int = 50, max_words: int = 100_000, min_mean_word_length_centi: int = 300,
        max_mean_word_length_centi: int = 1000, max_symbol_word_bp: int = 1000, max_bullet_lines_bp: int = 9000,
        max_ellipsis_lines_bp: int = 3000, min_alpha_words_bp: int = 8000, min_stop_words_per_mille: int = 20,
        stop_word_languages: Sequence[str] = ("en",),
    ) -> None:  # fmt: skip
        self.min_words, self.max_words = min_words, max_words
        self.word_length = (min_mean_word_length_centi, max_mean_word_length_centi)
        self.max_symbol_word_bp, self.max_bullet_lines_bp = max_symbol_word_bp, max_bullet_lines_bp
        self.max_ellipsis_lines_bp, self.min_alpha_words_bp = max_ellipsis_lines_bp, min_alpha_words_bp
        self.min_stop_words_per_mille, self.stop_word_languages = min_stop_words_per_mille, tuple(stop_word_languages)

    def check(self, doc: Document) -> GateResult:
        stats = doc.stats
        if stats.words < self.min_words:
            return dropped("too_few_words", stats.words)
        if stats.words > self.max_words:
            return dropped("too_many_words", stats.words)
        if not self.word_length[0] <= stats.mean_word_length_centi <= self.word_length[1]:
            return dropped("mean_word_length", stats.mean_word_length_centi)
        for reason, value, limit in (
            ("symbols", stats.symbol_word_bp, self.max_symbol_word_bp),
            ("bullet_lines", stats.bullet_lines_bp, self.max_bullet_lines_bp),
            ("ellipsis_lines", stats.ellipsis_lines_bp, self.max_ellipsis_lines_bp),
        ):
            if value > limit:
                return dropped(reason, value)
        if stats.alpha_words_bp < self.min_alpha_words_bp:
            return dropped("few_alphabetic_words", stats.alpha_words_bp)
        english_like = doc.language.language in self.stop_word_languages
        if english_like and stats.stop_words_per_mille < self.min_stop_words_per_mille:
            return dropped("few_stop_words", stats.stop_words_per_mille)
        return GateResult(kept=True)


def _lines_with(pattern: re.Pattern[str], text: str) -> int:
    """How many lines of `text` hold a match of `pattern` (which never matches across a line break but may start
    with the line break before its line): one search of the whole text, each match's line counted once, found by
    the line breaks since the match before."""
    lines = line = end = 0
    counted = -1
    for match in pattern.finditer(text):
        at = match.start() + 1  # a match that starts with a line break is on the line after it
        line += text.count("\n", end, at)
        end = at
        if line != counted:
            lines, counted = lines + 1, line
    return lines


# C4 drops lines and pages that are web debris: these are its markers (section 2.2), lower-cased.
_BOILERPLATE = ("lorem ipsum", "javascript", "cookie", "privacy policy", "terms of use", "all rights reserved")
# The words of the lorem ipsum placeholder, for placeholders that do not start with its first two words; its short
# words that are common in real languages ("et", "in", "do", "ad") are left out.
_LOREM = frozenset((
    "lorem", "ipsum", "dolor", "amet", "consectetur", "adipiscing", "elit", "eiusmod", "tempor", "incididunt",
    "labore", "dolore", "magna", "aliqua", "enim", "minim", "veniam", "quis", "nostrud", "exercitation", "ullamco",
    "laboris", "nisi", "aliquip", "commodo", "consequat", "duis", "aute", "irure", "reprehenderit", "voluptate",
    "velit", "esse", "cillum", "fugiat", "nulla", "pariatur",
))  # fmt: skip
_LOREM_HASHES = np.sort(word_hashes(sorted(_LOREM)))
_BUCKET_BITS = np.uint64((1 << 12) - 1)
_LOREM_BUCKETS = np.zeros(1 << 12, dtype=bool)
_LOREM_BUCKETS[(_LOREM_HASHES & _BUCKET_BITS).astype(np.intp)] = True
_BOILERPLATE_MARK = re.compile("|".join(map(re.escape, _BOILERPLATE)))


def _lorem_words(hashes: Any) -> int:
    """How many of the word hashes are lorem ipsum words: those in a bucket (low bits) of one are looked up, a
    table lookup and a binary search costing far less than np.isin's sort of the whole text."""
    maybe = hashes[_LOREM_BUCKETS[(hashes & _BUCKET_BITS).astype(np.intp)]]
    if len(maybe) == 0:
        return 0
    at = np.minimum(np.searchsorted(_LOREM_HASHES, maybe), len(_LOREM_HASHES) - 1)
    return int(np.count_nonzero(_LOREM_HASHES[at] == maybe))


class C4Filters(Gate):
    """C4 2.2: any "lorem ipsum" drops the page; lines of web debris (javascript, cookie and policy notices), from
    `min_lines` lines on (one line that says "All rights reserved" is no page of debris)."""

    name = "c4"

    def __init__(
        self, *, max_lorem_words_bp: int = 1000, max_boilerplate_lines_bp: int = 2000, min_lines: int = 5
    ) -> None:
        self.max_lorem_words_bp = max_lorem_words_bp
        self.max_boilerplate_lines_bp = max_boilerplate_lines_bp
        self.min_lines = min_lines

    def check(self, doc: Document) -> GateResult:
        if "lorem ipsum" in doc.tokens.normalised:
            return dropped("lorem_ipsum", 1)
        hashes = doc.tokens.hashes
        lorem = share(_lorem_words(hashes), len(hashes))
        if lorem > self.max_lorem_words_bp:
            return dropped("lorem_ipsum", lorem)
        lines = len(doc.tokens.lines)
        tokens = doc.tokens
        lowered = tokens.casefolded if tokens.text.isascii() else tokens.text.lower()  # the same for ASCII
        debris = share(_lines_with(_BOILERPLATE_MARK, lowered), lines)
        if lines >= self.min_lines and debris > self.max_boilerplate_lines_bp:
            return dropped("web_boilerplate", debris)
        return GateResult(kept=True)


class FineWebQuality(Gate):
    """FineWeb 3.3: lines that end in punctuation, short lines, repeated line characters, lines per word. These
    are rules about lines, so a document of fewer than `min_lines` lines (one JSON record, a paragraph) skips them.
    """

    name = "fineweb_quality"

    def __init__(
        self, *, min_punctuated_lines_bp: int = 1200, max_short_lines_bp: int = 6700,
        max_duplicate_line_chars_bp: int = 1000, max_lines_per_word_bp: int = 3000, min_lines: int = 5,
    ) -> None:  # fmt: skip
        self.min_punctuated_lines_bp = min_punctuated_lines_bp
        self.max_short_lines_bp = max_short_lines_bp
        self.max_duplicate_line_chars_bp = max_duplicate_line_chars_bp
        self.max_lines_per_word_bp = max_lines_per_word_bp
        self.min_lines = min_lines

    def check(self, doc: Document) -> GateResult:
        stats = doc.stats
        if len(stats.lines) < self.min_lines:
            return GateResult(kept=True)
        if stats.punctuated_lines_bp < self.min_punctuated_lines_bp:
            return dropped("few_punctuated_lines", stats.punctuated_lines_bp)
        for reason, value, limit in (
            ("short_lines", stats.short_lines_bp, self.max_short_lines_bp),
            ("duplicate_line_chars", stats.duplicate_line_chars_bp, self.max_duplicate_line_chars_bp),
            ("many_lines_per_word", stats.lines_per_word_bp, self.max_lines_per_word_bp),
        ):
            if value > limit:
                return dropped(reason, value)
        return GateResult(kept=True)


class LanguageConfidence(Gate):
    """fastText lid.176 must recognise one language with at least this confidence (FineWeb keeps >= 0.65)."""

    name = "language"

    def __init__(self, *, min_confidence_bp: int = 6500) -> None:
        self.min_confidence_bp = min_confidence_bp

    def check(self, doc: Document) -> GateResult:
        guess = doc.language
        if guess.language is None or guess.confidence_bp < self.min_confidence_bp:
            return dropped("language_unidentified", guess.confidence_bp)
        return GateResult(kept=True)


class Gibberish(Gate):
    """Letters that make no words: Latin-script words of 4+ letters without a vowel (a, e, i, o, u, y), and words
    holding a run of 4+ identical characters ("aaaa"), each as a share of the document's words (see
    `Tokens.word_shapes`)."""

    name = "gibberish"

    def __init__(self, *, max_vowelless_words_bp: int = 2000, max_run_words_bp: int = 500) -> None:
        self.max_vowelless_words_bp = max_vowelless_words_bp
        self.max_run_words_bp = max_run_words_bp

    def check(self, doc: Document) -> GateResult:
        shapes, words = doc.tokens.word_shapes, doc.tokens.word_count
        if shapes.latin * 2 >= words:  # a mostly Latin-script text: other scripts have other vowels
            vowelless = share(shapes.vowelless_latin, shapes.latin)
            if vowelless > self.max_vowelless_words_bp:
                return dropped("vowelless_words", vowelless)
        runs = share(shapes.with_runs, words)
        if runs > self.max_run_words_bp:
            return dropped("character_runs", runs)
        return GateResult(kept=True)


_BASE64 = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{16,}")
_BASE64_KINDS = (re.compile("[0-9]"), re.compile("[a-z]"), re.compile("[A-Z]"))  # a digit and both cases
# A whole whitespace-separated token, searched in the text after one added space: starting with the whitespace
# before the token (not a look-behind), the pattern lets the regex engine skip ahead to whitespace in C.
_ENCODED_CANDIDATE = re.compile(r"\s([A-Za-z0-9+/=_-]{16,})(?!\S)")


class EncodedBlob(Gate):
    """Encoded data, not text: the share of characters in base64-like tokens (24+ characters of the base64 or
    URL-safe alphabets, with a digit and both cases) or hex runs (16+ hex digits)."""

    name = "encoded_blob"

    def __init__(self, *, max_encoded_chars_bp: int = 2000) -> None:
        self.max_encoded_chars_bp = max_encoded_chars_bp

    def check(self, doc: Document) -> GateResult:
        # Only a token of 16+ characters of those alphabets can be either: one search of the text finds them.
        candidates = _ENCODED_CANDIDATE.findall(" " + doc.text)
        encoded = sum(len(token) for token in candidates if _encoded(token))
        value = share(encoded, non_space_chars(doc.text))
        if value > self.max_encoded_chars_bp:
            return dropped("encoded_blob", value)
        return GateResult(kept=True)


def _encoded(token: str) -> bool:
    if _HEX.fullmatch(token):
        return True
    if not _BASE64.fullmatch(token):
        return False
    return all(kind.search(token) for kind in _BASE64_KINDS)


# On the stripped non-blank lines, each after a line break, one line at a time: no part can cross a line break
# (a line ends in no whitespace, and the next starts with none). What must start a line starts with the line break
# before it instead of `^`, so every alternative starts with a character the regex engine skips ahead to in C.
_MARKUP_LINE = re.compile(
    r"\n<[/!a-zA-Z][^>\n]*>|</[a-zA-Z]+>\s*$|[{};]\s*$|\n\s*(?:var|let|const|function)\b|=>", re.MULTILINE
)


class Markup(Gate):
    """Markup and code where the modality is prose: the share of lines that are HTML tags or end as code does
    (`{`, `}`, `;`), or declare JavaScript."""

    name = "markup"

    def __init__(self, *, max_markup_lines_bp: int = 4000) -> None:
        self.max_markup_lines_bp = max_markup_lines_bp

    def check(self, doc: Document) -> GateResult:
        lines = doc.tokens.lines
        value = share(_lines_with(_MARKUP_LINE, "".join(map("\n".__add__, lines))), len(lines))
        if value > self.max_markup_lines_bp:
            return dropped("markup_or_code", value)
        return GateResult(kept=True)


_FNV_PRIME = np.uint64(0x100000001B3)
_SHUFFLE_SEED = np.uint64(0x9E3779B97F4A7C15)


class WordOrder(Gate):
    """Word order: real text repeats some adjacent word pairs ("of the"), so it has fewer distinct adjacent pairs
    than the same words shuffled. Word salad and text generated word by word from pair counts come close to the
    shuffle (too many distinct pairs); templated spam repeats its phrasing far more than any author (too few).

    value = distinct adjacent word pairs * 10000 // distinct adjacent pairs of the words shuffled, the shuffle
    being the order of splitmix64(position + seed) over positions 0..n-1 (seed 0x9E3779B97F4A7C15), so anyone
    recomputes it. Word salad is told only from `min_words` words: shorter real texts repeat too few pairs to
    tell them from a shuffle. Repetitive phrasing is told from `short_min_words`, with a higher bound below
    `min_words` words (`short_min_pair_ratio_bp`), since a short real text repeats fewer pairs by chance. A
    language in `max_pair_ratio_bp_by_language` (fastText's guess) has its own upper bound: English, with its
    articles and fixed word order, repeats far more pairs than inflected languages (German, Polish, Russian, ...),
    whose real text comes closer to the shuffle. From `long_min_words` words on, a language in
    `long_max_pair_ratio_bp_by_language` has a tighter bound: the more words, the more pairs a real author repeats
    and the less one shuffle varies, so a long text this close to the shuffle is text generated word by word.
    """

    name = "word_order"

    def __init__(
        self, *, max_pair_ratio_bp: int = 9700, min_pair_ratio_bp: int = 0, min_words: int = 200,
        short_min_words: int = 50, short_min_pair_ratio_bp: int = 0,
        max_pair_ratio_bp_by_language: Mapping[str, int] | None = None, long_min_words: int = 600,
        long_max_pair_ratio_bp_by_language: Mapping[str, int] | None = None,
    ) -> None:  # fmt: skip
        self.max_pair_ratio_bp, self.min_pair_ratio_bp, self.min_words = max_pair_ratio_bp, min_pair_ratio_bp, min_words
        self.short_min_words, self.short_min_pair_ratio_bp = short_min_words, short_min_pair_ratio_bp
        self.max_pair_ratio_bp_by_language = dict(max_pair_ratio_bp_by_language or {})
        self.long_min_words = long_min_words
        self.long_max_pair_ratio_bp_by_language = dict(long_max_pair_ratio_bp_by_language or {})

    def check(self, doc: Document) -> GateResult:
        hashes = doc.tokens.hashes
        if len(hashes) < self.short_min_words:
            return GateResult(kept=True)
        value = _distinct_pairs(hashes) * BP // _distinct_pairs(hashes[_shuffled_order(len(hashes))])
        long_enough = len(hashes) >= self.min_words
        if long_enough and value > self._max_pair_ratio_bp(doc):
            return dropped("word_salad", value)
        if value < (self.min_pair_ratio_bp if long_enough else self.short_min_pair_ratio_bp):
            return dropped("repetitive_phrasing", value)
        return GateResult(kept=True, value=value)

    def _max_pair_ratio_bp(self, doc: Document) -> int:
        if not (self.max_pair_ratio_bp_by_language or self.long_max_pair_ratio_bp_by_language):
            return self.max_pair_ratio_bp  # no language asked for: no language model run
        language = doc.language.language or ""
        bound = self.max_pair_ratio_bp_by_language.get(language, self.max_pair_ratio_bp)
        if doc.tokens.word_count >= self.long_min_words:
            return self.long_max_pair_ratio_bp_by_language.get(language, bound)
        return bound


def _distinct_pairs(hashes: Any) -> int:
    with np.errstate(over="ignore"):
        pairs = hashes[:-1] * _FNV_PRIME ^ hashes[1:]
    if len(pairs) == 0:
        return 0
    pairs.sort()  # counting the changes in sorted order costs far less than np.unique's hash table
    return 1 + int(np.count_nonzero(pairs[1:] != pairs[:-1]))


# The shuffle of the first `count` positions is the shuffle of any longer prefix with the positions from `count` on
# left out: splitmix64 is a bijection, so the sort keys are distinct and their order does not depend on the others.
# One shuffle per size here is sorted once, and a shorter text's is filtered out of the next size up.
_SHUFFLE_SIZES = (1 << 10, 1 << 13, 1 << 16)


def _shuffled_order(count: int) -> Any:
    for size in _SHUFFLE_SIZES:
        if count <= size:
            order = _shuffle(size)
            return order[order < count]
    return _shuffle(count)


@cache
def _shuffle(count: int) -> Any:
    return np.argsort(splitmix64(np.arange(count, dtype=np.uint64) + _SHUFFLE_SEED), kind="stable")


# English articles and the function words no article is followed by ("the of", "an and"), and the function
# words no English sentence ends on ("... of."): word order that only words put in random order have.
# A word here stands between spaces or punctuation, not inside a path or a file name ("po/an.po", "the .so").
# Each pattern is searched in the text after one added space and starts with the character before the word: a
# word starts after a character that is no \w and none of "./-" (or at the start of the text), which is what
# `\b(?<![./-])` asks before a letter. Written so, the pattern starts with a set of characters the regex engine
# skips ahead to in C, and the lookahead to the words' first letters stops it early; matches never overlap that
# character (each ends before a non-word character it leaves to the next), so they are the same matches.
_WORD_START = r"[^\w./-]"
_ARTICLE = re.compile(rf"{_WORD_START}(?=[at])(?:the|an)\b")
_FUNCTION_WORDS = "the|a|an|of|and|to|in|is|that|for|with|on|by|as|at|from|or|be|are|was|it|this|not"
_MISPLACED = re.compile(
    rf"{_WORD_START}(?=[abfinotw])(?:(?:the|an)(?:\s*[.!?,;:](?!\S)|\s+(?:{_FUNCTION_WORDS})\b(?![./-]\w))"
    r"|(?:of|and|to|with|for|from|by|or)[.!?](?!\S)"
    rf"|({_FUNCTION_WORDS})\s+\1\b(?![./-]\w))"
)


class FunctionWords(Gate):
    """English grammar that random word order breaks: an article ("the", "an") followed by punctuation or by
    another function word, a sentence that ends on a preposition or conjunction ("of."), or a function word twice
    in a row ("of of"). An author almost never writes any of them (measured on Debian's documentation, licenses,
    changelogs and man pages: under one article in ten); words drawn at random (word salad, shuffled text) do it
    for about one article in four. value = misplaced function words * 10000 // articles; a document is dropped
    above `max_misplaced_bp` from `min_misplaced` misplaced words on (one is a typo), in the languages of
    `languages` (fastText's guess). A word inside a path or file name ("po/an.po", "the .so") is no word here.
    """

    name = "function_words"

    def __init__(
        self, *, max_misplaced_bp: int = 2000, min_misplaced: int = 2, languages: Sequence[str] = ("en",)
    ) -> None:
        self.max_misplaced_bp, self.min_misplaced, self.languages = max_misplaced_bp, min_misplaced, tuple(languages)

    def check(self, doc: Document) -> GateResult:
        if doc.language.language not in self.languages:
            return GateResult(kept=True)
        text = " " + doc.tokens.casefolded  # see _WORD_START
        misplaced = len(_MISPLACED.findall(text))
        value = share(misplaced, len(_ARTICLE.findall(text)))
        if misplaced >= self.min_misplaced and value > self.max_misplaced_bp:
            return dropped("misplaced_function_words", value)
        return GateResult(kept=True, value=value)


class Vocabulary(Gate):
    """Too few different words: the mean segmental type-token ratio (MSTTR; Johnson 1944, "Studies in language
    behavior"), the distinct words of each run of `segment_words` consecutive words over `segment_words`, averaged
    over the document's whole segments. Real prose of any genre uses about two new words in three; text filled in
    from a few templates or a keyword list reuses the same few dozen. value = distinct words summed over the
    segments * 10000 // words in them. A document of `min_words` to `segment_words` words is one segment (a short
    real text repeats fewer words, so the bound is only easier to meet); a shorter one is not judged."""

    name = "vocabulary"

    def __init__(self, *, min_type_token_bp: int = 4300, segment_words: int = 100, min_words: int = 50) -> None:
        self.min_type_token_bp, self.segment_words, self.min_words = min_type_token_bp, segment_words, min_words

    def check(self, doc: Document) -> GateResult:
        value = doc.stats.segment_type_token_bp(self.segment_words, self.min_words)
        if value is None:
            return GateResult(kept=True)
        if value < self.min_type_token_bp:
            return dropped("small_vocabulary", value)
        return GateResult(kept=True, value=value)


class TitleCase(Gate):
    """Words nearly all capitalised: menus, link bars, tables of contents and tag lists, which name things and
    say nothing. Prose capitalises a sentence's first word, names, and in German its nouns: under half of its
    words. value = words (as written) starting with an upper-case letter * 10000 // words starting with a
    character other than a digit or the underscore."""

    name = "title_case"

    def __init__(self, *, max_capitalised_words_bp: int = 9000) -> None:
        self.max_capitalised_words_bp = max_capitalised_words_bp

    def check(self, doc: Document) -> GateResult:
        capitalised, letter_words = doc.tokens.capitalised_words
        value = share(capitalised, letter_words)
        if value > self.max_capitalised_words_bp:
            return dropped("title_case_words", value)
        return GateResult(kept=True, value=value)


GATES: dict[str, type[Gate]] = {
    gate.name: gate
    for gate in (
        GopherRepetition, GopherQuality, C4Filters, FineWebQuality, LanguageConfidence, Gibberish, EncodedBlob,
        Markup, WordOrder, FunctionWords, Vocabulary, TitleCase,
    )
}  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """A document's fate: kept, or dropped by `gate` for `reason`."""

    kept: bool
    gate: str | None
    reason: str
    value: int


def build_gates(config: Mapping[str, Mapping[str, Any]]) -> list[Gate]:
    """The gates a policy's `gates` section names, in its order, each with its thresholds."""
    return [GATES[name](**thresholds) for name, thresholds in config.items()]


def judge(doc: Document, gates: Sequence[Gate]) -> Decision:
    """Run the gates in order; the first that drops the document decides."""
    for gate in gates:
        result = gate.check(doc)
        if not result.kept:
            return Decision(kept=False, gate=gate.name, reason=result.reason, value=result.value)
    return Decision(kept=True, gate=None, reason=KEPT, value=0)


class DocumentJudge:
    """A policy's gates, built once from its `gates` section, judging one document at a time."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.gates = build_gates(config["gates"])
        self.language_sample = config["documents"]["language_sample"]

    def __call__(self, text: str) -> Decision:
        """Keep the document whose text this is, or name the gate and the reason that drop it."""
        return self.judge(Document(text, language_sample=self.language_sample))

    def judge(self, document: Document) -> Decision:
        """Keep `document`, or name the gate and the reason that drop it."""
        return judge(document, self.gates)


_JUDGES = PerConfig(DocumentJudge, kept=16)


def judge_for(config: Mapping[str, Any]) -> DocumentJudge:
    """The judge of a policy's config, built once per config (a changed config builds anew)."""
    return _JUDGES(config)
