"""Document keys and compact signatures: what the shared index keeps of a kept document, and how similar two are."""

import random

from polyphony.scoring import load_policy
from polyphony.scoring.copies import DocumentKey, EarlierInUpload, document_key, similarity_bp
from polyphony.scoring.text import Tokens

CONFIG = load_policy("v2").config["document_copies"]
RNG = random.Random(5)
WORDS = [f"w{n}" for n in range(5000)]


def text(words: int) -> str:
    return " ".join(RNG.choice(WORDS) for _ in range(words))


def key_of(index: int, body: str) -> DocumentKey:
    tokens = Tokens(body)
    return document_key(index, tokens, words=len(body.split()), config=CONFIG)


def test_equal_texts_have_equal_keys_and_a_short_text_has_no_signature() -> None:
    body = text(80)
    assert key_of(0, body).key == key_of(5, body.upper()).key  # the normalised text: case folded
    short = key_of(0, text(CONFIG["near_min_words"] - 1))
    assert short.compact is None and short.bands == ()
    long = key_of(0, text(CONFIG["near_min_words"]))
    assert long.compact is not None and len(long.compact) == CONFIG["num_perm"] and len(long.bands) == CONFIG["bands"]


def test_the_compact_estimate_tracks_the_edit_and_corrects_for_chance_matches() -> None:
    original = text(400)
    words = original.split()
    lightly = " ".join("x" if n % 50 == 0 else w for n, w in enumerate(words))
    heavily = " ".join("x" if n % 3 == 0 else w for n, w in enumerate(words))
    compact = key_of(0, original).compact
    assert compact is not None
    assert similarity_bp(compact, compact) == 10_000
    assert similarity_bp(compact, key_of(1, lightly).compact or b"") > 8000
    assert similarity_bp(compact, key_of(1, heavily).compact or b"") < 3000
    assert similarity_bp(compact, key_of(1, text(400)).compact or b"") < 500  # unrelated: near zero, not 1/256


def test_a_later_document_nearly_copying_an_earlier_one_of_the_upload_names_it() -> None:
    original, unrelated = text(200), text(200)
    edited = " ".join("x" if n % 20 == 0 else w for n, w in enumerate(original.split()))
    earlier = EarlierInUpload(threshold_bp=CONFIG["threshold_bp"])
    for index, body in enumerate([unrelated, original]):
        assert earlier.nearly_copied(key_of(index, body)) is None
        earlier.add(key_of(index, body))
    assert earlier.nearly_copied(key_of(2, edited)) == 1
    assert earlier.nearly_copied(key_of(3, text(200))) is None
