"""The shared tokenisation: words found on code-point arrays equal the \\w+ runs of the normalised text."""

import re

import numpy as np
import pytest

from polyphony.scoring.minhash import word_hashes
from polyphony.scoring.text import Tokens, casefolded, normalise

TEXTS = [
    "The cat sat on the mat.",
    "  \uff28ello\r\n\tWORLD  ",  # fullwidth H, mixed whitespace
    "Straße café naïve ÉCOLE — «quotes» and snake_case_names 42 4_2 ²³ x²",
    "日本語のテキスト、句読点。Ελληνικά κείμενα; русский текст!",
    "emoji 🙂 between words 🙂🙂 and astral \U0001d400\U0001d401 letters",
    "",
    "...!!! ---",
]


@pytest.mark.parametrize("text", TEXTS)
def test_word_arrays_match_the_regex_words_of_the_normalised_text(text):
    tokens = Tokens(text)
    words = re.findall(r"\w+", normalise(text))
    assert tokens.word_count == len(words)
    assert tokens.word_lengths.tolist() == [len(word) for word in words]
    assert tokens.hashes.tolist() == word_hashes(words).tolist()
    assert tokens.letter_words == sum(1 for word in words if not word.replace("_", "0").isdigit())


def test_word_hash_depends_on_every_character_and_its_place():
    hashes = word_hashes(["abc", "acb", "bac", "abc", "ab", "abcd"]).tolist()
    assert hashes[0] == hashes[3]
    assert len(set(hashes)) == 5


def test_word_hash_is_fixed_across_machines():
    # Pinned values: a change here changes every MinHash signature, so it needs a new policy.
    hashes = word_hashes(["the", "straße"])
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == [15250239828595681001, 17223829573808265514]


def test_ascii_fast_path_folds_like_nfkc_casefold():
    assert casefolded("ABC def\tGHI") == "abc def\tghi"
    assert casefolded("\uff28ELLO") == "hello"
