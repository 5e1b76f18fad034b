"""Heuristic quality rules as continuous features: each maps one statistic to a 0-10000 sub-score.

A rule has a `good` bound (full marks at or past it) and a `bad` bound (zero at or past it) and scores linearly in
between, so a text is never cut off at a cliff and technical prose is not rejected for being technical. The
statistics are defined by:
- Gopher: Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
  appendix A.1.1 (quality filters) and table A1 (repetition removal);
- C4: Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer",
  section 2.2;
- FineWeb: Penedo et al. 2024, "The FineWeb Datasets: Decanting the Web for the Finest Text Data at Scale",
  section 3.3 (custom filters).
The bounds come from the policy's per-modality profile; the defaults below are policy v1's text profile.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from polyphony.scoring.per_config import PerConfig
from polyphony.scoring.results import BP
from polyphony.scoring.stats import TextStatistics


def linear_score(value: int, *, good: int, bad: int) -> int:
    """10000 at or beyond `good`, 0 at or beyond `bad`, linear (rounded down) in between; either may be larger."""
    if good == bad:
        return BP if value == good else 0
    distance_from_bad = (bad - value) if good < bad else (value - bad)
    return max(0, min(BP, distance_from_bad * BP // abs(bad - good)))


@dataclass(frozen=True)
class RuleResult:
    """A rule's measured value, its sub-score and a stable snake_case reason."""

    value: int
    score: int
    reason: str


class Rule:
    """A statistic scored between a good and a bad bound; subclasses say which statistic and cite its source."""

    name: ClassVar[str]
    words: ClassVar[str]  # what the statistic is, in a contributor's words

    def __init__(self, *, good: int, bad: int) -> None:
        self.good = good
        self.bad = bad

    def measure(self, stats: TextStatistics) -> int:
        return int(getattr(stats, self.name))

    def check(self, stats: TextStatistics) -> RuleResult:
        """Measure the text and score it against the bounds."""
        value = self.measure(stats)
        score = linear_score(value, good=self.good, bad=self.bad)
        if score == BP:
            return RuleResult(value, score, f"{self.name}_ok")
        worse = "high" if self.bad > self.good else "low"
        return RuleResult(value, score, f"{self.name}_{worse}")

    def bounds(self) -> dict[str, int]:
        return {"good": self.good, "bad": self.bad}


class MinWords(Rule):
    """Gopher quality: documents of fewer than 50 words are too short to be useful text."""

    name = "min_words"
    words = "the text is short"

    def __init__(self, *, good: int = 50, bad: int = 5) -> None:
        super().__init__(good=good, bad=bad)

    def measure(self, stats: TextStatistics) -> int:
        return stats.words


class MeanWordLength(Rule):
    """Gopher quality: a mean word length outside 3-10 characters marks gibberish or machine output.

    Two-sided: `good` and `bad` are (low, high) pairs in hundredths of a character.
    """

    name = "mean_word_length_centi"
    words = "the words are unusually short or long"

    def __init__(self, *, good: tuple[int, int] = (300, 1000), bad: tuple[int, int] = (150, 2000)) -> None:
        self.low = Rule(good=good[0], bad=bad[0])
        self.high = Rule(good=good[1], bad=bad[1])
        super().__init__(good=good[0], bad=bad[0])

    def check(self, stats: TextStatistics) -> RuleResult:
        value = stats.mean_word_length_centi
        low = linear_score(value, good=self.low.good, bad=self.low.bad)
        high = linear_score(value, good=self.high.good, bad=self.high.bad)
        if min(low, high) == BP:
            return RuleResult(value, BP, f"{self.name}_ok")
        return RuleResult(value, min(low, high), f"{self.name}_{'low' if low < high else 'high'}")

    def bounds(self) -> dict[str, Any]:
        return {"good": [self.low.good, self.high.good], "bad": [self.low.bad, self.high.bad]}


class NgramRule(Rule):
    """Gopher repetition over word n-grams: `top` = share of the most frequent n-gram (n = 2-4), else the share of
    characters inside n-grams that occur more than once (n = 5-10)."""

    def __init__(self, *, n: int, top: bool, good: int, bad: int) -> None:
        super().__init__(good=good, bad=bad)
        self.n = n
        self.top = top
        self.name = f"top_{n}gram_chars_bp" if top else f"dup_{n}gram_chars_bp"  # type: ignore[misc]
        self.words = f"repeated {n}-word phrases"  # type: ignore[misc]

    def measure(self, stats: TextStatistics) -> int:
        return stats.top_ngram_chars_bp(self.n) if self.top else stats.duplicate_ngram_chars_bp(self.n)


class SymbolWordRatio(Rule):
    """Gopher quality (Rae et al. 2021, A.1.1): hashes and ellipses per word, in basis points."""

    name = "symbol_word_bp"
    words = "many # or ... symbols"

    def __init__(self, *, good: int = 1000, bad: int = 5000) -> None:
        super().__init__(good=good, bad=bad)


class BulletLines(Rule):
    """Gopher quality (Rae et al. 2021, A.1.1): share of lines starting with a bullet."""

    name = "bullet_lines_bp"
    words = "mostly bullet lines"

    def __init__(self, *, good: int = 9000, bad: int = 10000) -> None:
        super().__init__(good=good, bad=bad)


class EllipsisLines(Rule):
    """Gopher quality (Rae et al. 2021, A.1.1): share of lines ending in an ellipsis."""

    name = "ellipsis_lines_bp"
    words = "many cut-off lines"

    def __init__(self, *, good: int = 3000, bad: int = 8000) -> None:
        super().__init__(good=good, bad=bad)


class AlphaWords(Rule):
    """Gopher quality (Rae et al. 2021, A.1.1): share of words (\\w+ runs) holding a letter."""

    name = "alpha_words_bp"
    words = "few real words"

    def __init__(self, *, good: int = 6000, bad: int = 2000) -> None:
        super().__init__(good=good, bad=bad)


class StopWords(Rule):
    """Gopher quality (Rae et al. 2021, A.1.1): English stop words per 1000 words (English texts only)."""

    name = "stop_words_per_mille"
    words = "few English stop words"

    def __init__(self, *, good: int = 20, bad: int = 0) -> None:
        super().__init__(good=good, bad=bad)


class DuplicateLines(Rule):
    """Gopher repetition (Rae et al. 2021, table A1): share of lines repeating an earlier line."""

    name = "duplicate_lines_bp"
    words = "repeated lines"

    def __init__(self, *, good: int = 3000, bad: int = 8000) -> None:
        super().__init__(good=good, bad=bad)


class DuplicateLineChars(Rule):
    """Gopher repetition (table A1) and FineWeb char_dup_ratio (Penedo et al. 2024): characters in repeated lines."""

    name = "duplicate_line_chars_bp"
    words = "repeated lines"

    def __init__(self, *, good: int = 2000, bad: int = 7000) -> None:
        super().__init__(good=good, bad=bad)


class DuplicateParagraphs(Rule):
    """Gopher repetition (Rae et al. 2021, table A1): share of paragraphs repeating an earlier one."""

    name = "duplicate_paragraphs_bp"
    words = "repeated paragraphs"

    def __init__(self, *, good: int = 3000, bad: int = 8000) -> None:
        super().__init__(good=good, bad=bad)


class DuplicateParagraphChars(Rule):
    """Gopher repetition (Rae et al. 2021, table A1): characters in repeated paragraphs."""

    name = "duplicate_paragraph_chars_bp"
    words = "repeated paragraphs"

    def __init__(self, *, good: int = 2000, bad: int = 7000) -> None:
        super().__init__(good=good, bad=bad)


class PunctuatedLines(Rule):
    """C4 (Raffel et al. 2020, 2.2), FineWeb line_punct_ratio (Penedo et al. 2024): lines ending in punctuation."""

    name = "punctuated_lines_bp"
    words = "few lines end like sentences"

    def __init__(self, *, good: int = 1000, bad: int = 0) -> None:
        super().__init__(good=good, bad=bad)


class ShortLines(Rule):
    """FineWeb short_line_ratio (Penedo et al. 2024): share of lines of at most 30 characters."""

    name = "short_lines_bp"
    words = "mostly very short lines"

    def __init__(self, *, good: int = 8000, bad: int = 10000) -> None:
        super().__init__(good=good, bad=bad)


class LinesPerWord(Rule):
    """FineWeb new_line ratio (Penedo et al. 2024): lines per word, high in lists."""

    name = "lines_per_word_bp"
    words = "a list more than prose"

    def __init__(self, *, good: int = 5000, bad: int = 10000) -> None:
        super().__init__(good=good, bad=bad)


class LoremIpsum(Rule):
    """C4 (Raffel et al. 2020, 2.2): "lorem ipsum" placeholder text per 1000 words."""

    name = "lorem_ipsum_per_mille_words"
    words = "placeholder text"

    def __init__(self, *, good: int = 0, bad: int = 5) -> None:
        super().__init__(good=good, bad=bad)


class JavascriptLines(Rule):
    """C4 (Raffel et al. 2020, 2.2): lines mentioning javascript, debris of web pages."""

    name = "javascript_lines_bp"
    words = "web page debris"

    def __init__(self, *, good: int = 500, bad: int = 5000) -> None:
        super().__init__(good=good, bad=bad)


ONE_STATISTIC_RULES: tuple[type[Rule], ...] = (
    SymbolWordRatio, BulletLines, EllipsisLines, AlphaWords, StopWords, DuplicateLines, DuplicateLineChars,
    DuplicateParagraphs, DuplicateParagraphChars, PunctuatedLines, ShortLines, LinesPerWord, LoremIpsum,
    JavascriptLines,
)  # fmt: skip


def quality_rules(profile: Mapping[str, Any]) -> list[Rule]:
    """The heuristic quality pipeline a modality profile describes, in the profile's key order sorted by name.

    Built once per profile and kept: rules hold only their bounds, and a changed profile misses the cache.
    """
    return _RULES(profile)


def _build_rules(profile: Mapping[str, Any]) -> list[Rule]:
    """Every rule a profile names, with its bounds."""
    by_name = {rule.name: rule for rule in ONE_STATISTIC_RULES}
    rules: list[Rule] = []
    for name, bounds in sorted(profile.items()):
        good, bad = bounds["good"], bounds["bad"]
        if name == "min_words":
            rules.append(MinWords(good=good, bad=bad))
        elif name == "mean_word_length_centi":
            rules.append(MeanWordLength(good=tuple(good), bad=tuple(bad)))
        elif name.startswith(("top_", "dup_")) and name.endswith("gram_chars_bp"):
            n = int(name.split("_")[1].removesuffix("gram"))
            rules.append(NgramRule(n=n, top=name.startswith("top_"), good=good, bad=bad))
        else:
            rules.append(by_name[name](good=good, bad=bad))
    return rules


_RULES = PerConfig(_build_rules, kept=64)
