"""Heuristic quality rules and the pieces they stand on: tiny inline documents -> expected value and reason."""

import pytest

from polyphony.scoring.rules import (
    AlphaWords,
    BulletLines,
    DuplicateLines,
    EllipsisLines,
    MeanWordLength,
    MinWords,
    NgramRule,
    PunctuatedLines,
    ShortLines,
    StopWords,
    linear_score,
)
from polyphony.scoring.stats import TextStatistics
from polyphony.scoring.text import Tokens, normalise

PROSE = "The cat sat on the mat and looked at the dog. " * 3


def stats(text: str) -> TextStatistics:
    return TextStatistics(Tokens(text))


@pytest.mark.parametrize(
    ("value", "good", "bad", "expected"),
    [
        (0, 10, 20, 10000),
        (15, 10, 20, 5000),
        (25, 10, 20, 0),
        (15, 20, 10, 5000),  # higher is better
        (5, 20, 10, 0),
        (7, 7, 7, 10000),
    ],
)
def test_linear_score_is_full_at_good_zero_at_bad_and_linear_between(value, good, bad, expected):
    assert linear_score(value, good=good, bad=bad) == expected


@pytest.mark.parametrize(
    ("rule", "text", "value", "reason"),
    [
        (MinWords(), "one two three", 3, "min_words_low"),
        (MinWords(), "word " * 60, 60, "min_words_ok"),
        (MeanWordLength(), "a b c d e f", 100, "mean_word_length_centi_low"),
        (MeanWordLength(), "abcdefghijklmnopqrstuvwxyz " * 3, 2600, "mean_word_length_centi_high"),
        (MeanWordLength(), "house garden river", 533, "mean_word_length_centi_ok"),
        (BulletLines(), "- one\n- two\n* three\n• four", 10000, "bullet_lines_bp_high"),
        (BulletLines(), "- one\nplain line", 5000, "bullet_lines_bp_ok"),
        (EllipsisLines(), "cut off...\nanother…\nwhole line.", 6666, "ellipsis_lines_bp_high"),
        (AlphaWords(), "123 456 789 abc", 2500, "alpha_words_bp_low"),
        (AlphaWords(), "words with 2 numbers", 7500, "alpha_words_bp_ok"),
        (StopWords(), PROSE, 363, "stop_words_per_mille_ok"),
        (StopWords(), "cat dog mat", 0, "stop_words_per_mille_low"),
        (DuplicateLines(), "same\nsame\nsame\nother", 5000, "duplicate_lines_bp_high"),
        (DuplicateLines(), "a\nb\nc", 0, "duplicate_lines_bp_ok"),
        (PunctuatedLines(), "no stop\nnone here\nnor here", 0, "punctuated_lines_bp_low"),
        (PunctuatedLines(), "A sentence.\nAnother!", 10000, "punctuated_lines_bp_ok"),
        (ShortLines(), "short\ntiny\nwee", 10000, "short_lines_bp_high"),
    ],
)
def test_rule_measures_value_and_gives_reason(rule, text, value, reason):
    result = rule.check(stats(text))
    assert (result.value, result.reason) == (value, reason)


def test_duplicated_ngrams_cover_the_repeated_phrase_only():
    text = "alpha beta gamma delta epsilon zeta " + "one two three four five " * 2
    rule = NgramRule(n=5, top=False, good=1500, bad=6000)
    result = rule.check(stats(text))
    # 10 repeated words of 3 letters-ish over all word characters
    repeated = len("onetwothreefourfive") * 2
    total = len("alphabetagammadeltaepsilonzeta") + repeated
    assert result.value == repeated * 10000 // total
    assert result.reason == "dup_5gram_chars_bp_high"


def test_longer_duplicated_ngrams_match_a_direct_count():
    text = ("the quick brown fox jumps over the lazy dog " * 2) + "and then it sleeps for hours"
    s = stats(text)
    words = s.tokens.words
    for n in range(5, 11):
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        covered = [False] * len(words)
        for i, gram in enumerate(grams):
            if grams.count(gram) > 1:
                covered[i : i + n] = [True] * n
        expected = sum(len(w) for w, c in zip(words, covered, strict=True) if c) * 10000 // s.word_chars
        assert s.duplicate_ngram_chars_bp(n) == expected


def test_top_ngram_share_counts_the_most_frequent_pair():
    s = stats("red car red car red car blue sky")
    assert s.top_ngram_chars_bp(2) == 3 * len("redcar") * 10000 // len("redcarredcarredcarbluesky")
    assert stats("all words differ here").top_ngram_chars_bp(2) == 0


def test_normalisation_folds_case_width_and_whitespace():
    assert normalise("  \uff28ello\r\n\tWORLD  ")  # a fullwidth H == "hello world"
