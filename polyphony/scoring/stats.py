"""Every heuristic text statistic, computed once per text from the shared tokenisation.

All values are integers: shares in basis points (10000 = all), densities per mille words, lengths in hundredths
of a character. The word-level statistics work on the hashes of the normalised words (numpy, no per-word Python);
the line-level ones on the stripped non-blank lines; symbol counts with str.count on the whole text.
"""

from collections import Counter
from functools import cached_property
from itertools import repeat

import numpy as np
import numpy.typing as npt

from polyphony.scoring.minhash import word_hashes
from polyphony.scoring.results import BP
from polyphony.scoring.text import Tokens

# Gopher's stop words (Rae et al. 2021, appendix A.1.1): a real English text uses at least two of them.
STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
_STOP_HASHES = word_hashes(STOP_WORDS)
BULLETS = ("•", "●", "‣", "▪", "◦", "-", "*", "\u2013")  # the last is an en dash
TERMINAL = (".", "!", "?", '"', "\u201d", "'", "\u2019", ":", ";")  # with closing curly quotes
SHORT_LINE_CHARS = 30  # FineWeb's short line
_BASE_N = 5  # the shortest n-gram of Gopher's duplicate-n-gram statistics
_FNV_PRIME = np.uint64(0x100000001B3)  # as in polyphony.scoring.minhash.ngram_hashes


def share(part: int, whole: int) -> int:
    """`part / whole` in basis points, rounded down; 0 when `whole` is 0."""
    return part * BP // whole if whole else 0


class TextStatistics:
    """The Gopher, C4 and FineWeb statistics of one text, each computed on first use and kept."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self._folded = {1: tokens.hashes}
        # The n-gram statistics by n: the repetition gate and the quality rules both read them.
        self._top: dict[int, int] = {}
        self._duplicate: dict[int, int] = {}

    @cached_property
    def words(self) -> int:
        return self.tokens.word_count

    @cached_property
    def word_chars(self) -> int:
        return int(self.tokens.word_lengths.sum())

    @cached_property
    def mean_word_length_centi(self) -> int:
        return self.word_chars * 100 // self.words if self.words else 0

    @cached_property
    def symbol_word_bp(self) -> int:
        text = self.tokens.text
        symbols = text.count("#") + text.count("...") + text.count("…")
        return share(symbols, self.words)

    @cached_property
    def alpha_words_bp(self) -> int:
        return share(self.tokens.letter_words, self.words)

    @cached_property
    def stop_words_per_mille(self) -> int:
        # Eight values: one broadcast comparison costs less than np.isin's sort or table.
        found = int(np.count_nonzero(self.tokens.hashes[:, None] == _STOP_HASHES))
        return found * 1000 // self.words if self.words else 0

    @cached_property
    def lines(self) -> list[str]:
        return self.tokens.lines

    @cached_property
    def bullet_lines_bp(self) -> int:
        return share(sum(map(str.startswith, self.lines, repeat(BULLETS))), len(self.lines))

    @cached_property
    def ellipsis_lines_bp(self) -> int:
        return share(sum(map(str.endswith, self.lines, repeat(("...", "…")))), len(self.lines))

    @cached_property
    def punctuated_lines_bp(self) -> int:
        return share(sum(map(str.endswith, self.lines, repeat(TERMINAL))), len(self.lines))

    @cached_property
    def short_lines_bp(self) -> int:
        return share(sum(map(SHORT_LINE_CHARS.__ge__, map(len, self.lines))), len(self.lines))

    @cached_property
    def javascript_lines_bp(self) -> int:
        if "javascript" not in self.tokens.normalised:
            return 0
        mentions = map(str.__contains__, map(str.lower, self.lines), repeat("javascript"))
        return share(sum(mentions), len(self.lines))

    @cached_property
    def lorem_ipsum_per_mille_words(self) -> int:
        found = self.tokens.normalised.count("lorem ipsum")
        return found * 1000 // self.words if self.words else 0

    @cached_property
    def lines_per_word_bp(self) -> int:
        return share(len(self.lines), self.words)

    @cached_property
    def _line_repeats(self) -> tuple[int, int]:
        return _repeats(self.lines)

    @cached_property
    def duplicate_lines_bp(self) -> int:
        return share(self._line_repeats[0], len(self.lines))

    @cached_property
    def duplicate_line_chars_bp(self) -> int:
        return share(self._line_repeats[1], sum(map(len, self.lines)))

    @cached_property
    def _paragraph_repeats(self) -> tuple[int, int]:
        return _repeats(self.tokens.paragraphs)

    @cached_property
    def duplicate_paragraphs_bp(self) -> int:
        return share(self._paragraph_repeats[0], len(self.tokens.paragraphs))

    @cached_property
    def duplicate_paragraph_chars_bp(self) -> int:
        return share(self._paragraph_repeats[1], sum(map(len, self.tokens.paragraphs)))

    def segment_type_token_bp(self, segment: int, shortest: int) -> int | None:
        """The mean segmental type-token ratio: distinct words in each whole run of `segment` words, summed, over
        the words in those runs; a text of `shortest` to `segment` words is one run (None below `shortest`)."""
        if self.words < shortest:
            return None
        segment = min(segment, self.words)
        runs = self.words // segment
        ordered = np.sort(self.tokens.hashes[: runs * segment].reshape(runs, segment), axis=1)
        distinct = runs + int(np.count_nonzero(ordered[:, 1:] != ordered[:, :-1]))
        return share(distinct, runs * segment)

    def top_ngram_chars_bp(self, n: int) -> int:
        """Gopher: characters of the most frequent word n-gram, times its count, over all word characters.

        Among n-grams tied for most frequent, the longest of the first 64 in hash order counts.
        """
        found = self._top.get(n)
        if found is None:
            found = self._top[n] = self._top_ngram_chars_bp(n)
        return found

    def _top_ngram_chars_bp(self, n: int) -> int:
        if self.words < n:
            return 0
        grams = self._grams(n)
        maybe = _sharing_a_bucket(grams)
        if len(maybe) == 0:
            return 0
        order = maybe[np.argsort(grams[maybe], kind="stable")]
        ordered = grams[order]
        new_run = np.ones(len(ordered), dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=new_run[1:])
        run_starts = _nonzero(new_run)
        lengths = np.empty_like(run_starts)
        np.subtract(run_starts[1:], run_starts[:-1], out=lengths[:-1])
        lengths[-1] = len(ordered) - run_starts[-1]
        top = int(lengths.max())
        if top < 2:
            return 0
        firsts = order[run_starts[_nonzero(lengths == top)[:64]]]
        cumulative = self._word_chars_cumulative
        chars = int((cumulative[firsts + n] - cumulative[firsts]).max())
        return share(top * chars, self.word_chars)

    def duplicate_ngram_chars_bp(self, n: int) -> int:
        """Gopher: characters of words covered by any word n-gram occurring more than once, over all word chars.

        An n-gram (n > 5) that repeats starts and ends with 5-grams that repeat, so only those positions are
        hashed and compared: exact, and cheap on text that repeats little.
        """
        found = self._duplicate.get(n)
        if found is None:
            found = self._duplicate[n] = self._duplicate_ngram_chars_bp(n)
        return found

    def _duplicate_ngram_chars_bp(self, n: int) -> int:
        if self.words < n:
            return 0
        if n <= _BASE_N:
            starts = _nonzero(_repeated(self._grams(n)))
        else:
            base = self._repeated_base
            count = self.words - n + 1
            candidates = _nonzero(base[:count] & base[n - _BASE_N : n - _BASE_N + count])
            if len(candidates) == 0:
                return 0
            starts = candidates[_repeated(self._grams(n)[candidates])]
        if len(starts) == 0:
            return 0
        # The union of the spans [start, start + n): each adds the words past the furthest end before it.
        reach = np.maximum.accumulate(starts + n)
        lows = starts.copy()
        np.maximum(starts[1:], reach[:-1], out=lows[1:])
        np.minimum(lows, reach, out=lows)
        cumulative = self._word_chars_cumulative
        return share(int((cumulative[reach] - cumulative[lows]).sum()), self.word_chars)

    @cached_property
    def _repeated_base(self) -> npt.NDArray[np.bool_]:
        return _repeated(self._grams(_BASE_N))

    def _grams(self, n: int) -> npt.NDArray[np.uint64]:
        """`ngram_hashes(hashes, n)` (n at most the word count), each n from n - 1: one fold step per n."""
        if n not in self._folded:
            shorter = self._grams(n - 1)
            with np.errstate(over="ignore"):
                self._folded[n] = shorter[:-1] * _FNV_PRIME ^ self.tokens.hashes[n - 1 :]
        return self._folded[n]

    @cached_property
    def _word_chars_cumulative(self) -> npt.NDArray[np.int64]:
        return np.concatenate(([0], np.cumsum(self.tokens.word_lengths)))


def _nonzero(values: npt.NDArray[np.generic]) -> npt.NDArray[np.intp]:
    """The indices of a 1-D array's non-zero values: np.flatnonzero without its reshaping wrapper, which costs more
    than the search on the short arrays of one document."""
    return values.nonzero()[0]


def _sharing_a_bucket(grams: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The positions whose value shares its hash-table bucket (low bits) with another position, in order.

    Every value occurring more than once is among them; with 8 buckets per value few others are, so the sorts
    that follow see a fraction of the text (a counting pass is much cheaper than a sort).
    """
    size = 1 << max(6, (8 * len(grams)).bit_length())
    buckets = (grams & np.uint64(size - 1)).astype(np.intp)
    return _nonzero(np.bincount(buckets, minlength=size)[buckets] > 1)


def _repeated(grams: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    """Which positions hold a value that occurs more than once."""
    mask = np.zeros(len(grams), dtype=bool)
    maybe = _sharing_a_bucket(grams)
    if len(maybe) == 0:
        return mask
    order = maybe[np.argsort(grams[maybe], kind="stable")]
    ordered = grams[order]
    same = ordered[1:] == ordered[:-1]
    mask[order[1:][same]] = True
    mask[order[:-1][same]] = True
    return mask


def _repeats(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and how many characters those repeats hold."""
    counts = Counter(items)
    extra = [(count - 1, len(item)) for item, count in counts.items() if count > 1]
    return sum(times for times, _ in extra), sum(times * length for times, length in extra)
