"""Each gate on tiny inline documents: kept, or dropped with its stable reason."""

import random

import pytest

from polyphony.scoring import load_policy
from polyphony.scoring.document import Document
from polyphony.scoring.gates import (
    GATES,
    C4Filters,
    DocumentJudge,
    EncodedBlob,
    FineWebQuality,
    FunctionWords,
    Gate,
    Gibberish,
    GopherQuality,
    GopherRepetition,
    LanguageConfidence,
    Markup,
    TitleCase,
    Vocabulary,
    WordOrder,
    build_gates,
    judge,
)

SAMPLE = {"sample_units": 16, "unit_chars": 400}
PROSE = (
    "The compiler reads each source file once and writes an object file beside it. When a file includes a "
    "header, the header is read again for every file that names it, which is why large projects keep their "
    "headers small. The linker then joins the object files into one program and resolves the names that one "
    "file uses and another defines. If a name is defined twice, the linker stops and says where each "
    "definition was found, so that the author can remove one of them.\n\n"
    "Warnings are printed as the compiler finds them. Most of them point at code that is legal but probably "
    "not what was meant: a variable that is set and never read, a comparison that is always true, a function "
    "that can end without returning a value. Treat them as errors in new code, and fix them as you go."
)
RNG = random.Random(7)
VOCABULARY = PROSE.replace(".", "").replace(",", "").replace(":", "").split()


ITEMS, CITIES = ("watches", "shoes", "tyres", "phones", "bags"), ("Paris", "Lyon", "Berlin", "Madrid", "Rome", "Oslo")
TEMPLATED = " ".join(
    f"Buy cheap {item} online in {city} today. Best {item} deals in {city}." for item in ITEMS for city in CITIES
)


# Articles before function words and punctuation, sentences ending on "of" and "and", doubled words.
MISPLACED = (
    "Files the of header read. Linker the and names joined of. Program an to source defines and. "
    "Compiler reads the is object written with with it."
)


def doc(text: str) -> Document:
    return Document(text, language_sample=SAMPLE)


def salad(words: int) -> str:
    return " ".join(RNG.choice(VOCABULARY) for _ in range(words)) + "."


@pytest.mark.parametrize(
    ("gate", "text", "reason"),
    [
        (GopherRepetition(), PROSE, "kept"),
        (GopherRepetition(), "\n".join(["Buy cheap watches online today!"] * 50), "duplicate_lines"),
        (GopherRepetition(max_duplicate_lines_bp=10000, max_duplicate_line_chars_bp=10000),
         "buy cheap watches online " * 60, "top_2gram"),
        (GopherQuality(), PROSE, "kept"),
        (GopherQuality(), "Too short to be a document.", "too_few_words"),
        (GopherQuality(min_words=5), " ".join(str(10_000 + 37 * n) for n in range(100)), "few_alphabetic_words"),
        (GopherQuality(min_words=5), "xxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyy " * 20, "mean_word_length"),
        (GopherQuality(min_words=5, min_alpha_words_bp=0), "#tag #tag2 #tag3 word " * 20, "symbols"),
        (GopherQuality(), salad(60).replace(" the ", " ").replace(" of ", " ").replace(" and ", " ")
         .replace(" to ", " ").replace(" that ", " ").replace(" be ", " "), "few_stop_words"),
        (C4Filters(), PROSE, "kept"),
        (C4Filters(), PROSE + "\n\nLorem ipsum dolor sit amet.", "lorem_ipsum"),
        (C4Filters(), "Dolor amet consectetur adipiscing elit eiusmod tempor incididunt labore. " * 5, "lorem_ipsum"),
        (C4Filters(), "Home\nWe use cookies.\nPrivacy policy\nTerms of use\nAll rights reserved", "web_boilerplate"),
        (FineWebQuality(), PROSE, "kept"),
        (FineWebQuality(), "\n".join(f"item {n} without an end" for n in range(40)), "few_punctuated_lines"),
        (FineWebQuality(min_punctuated_lines_bp=0), "\n".join(f"short {n}." for n in range(40)), "short_lines"),
        (LanguageConfidence(), PROSE, "kept"),
        (LanguageConfidence(), "zxq vbnm qwpl 1234 zzrt pqks", "language_unidentified"),
        (Gibberish(), PROSE, "kept"),
        (Gibberish(), " ".join("".join(RNG.choice("bcdfghjklmnpqrstvwxz") for _ in range(6)) for _ in range(60)),
         "vowelless_words"),
        (Gibberish(), PROSE + " aaaaargh " * 30, "character_runs"),
        (EncodedBlob(), PROSE, "kept"),
        (EncodedBlob(), "\n".join("".join(RNG.choice("ABCDEFabcdef0123456789+/") for _ in range(76)) for _ in range(9)),
         "encoded_blob"),
        (EncodedBlob(), "Checksum: " + " ".join(f"{RNG.getrandbits(256):064x}" for _ in range(8)), "encoded_blob"),
        (Markup(), PROSE, "kept"),
        (Markup(), "\n".join(['<div class="nav">', '<a href="/">Home</a>', "</div>", "var n = 1;"] * 5),
         "markup_or_code"),
        (WordOrder(), (PROSE + "\n\n") * 2, "kept"),
        (WordOrder(), salad(400), "word_salad"),
        (WordOrder(), salad(100), "kept"),  # too short to tell: left to the other gates
        (WordOrder(min_pair_ratio_bp=5500), TEMPLATED, "repetitive_phrasing"),
        (WordOrder(short_min_pair_ratio_bp=7000), TEMPLATED[:900], "repetitive_phrasing"),  # under 200 words
        (WordOrder(short_min_pair_ratio_bp=7000), PROSE, "kept"),
        (WordOrder(max_pair_ratio_bp=20000, max_pair_ratio_bp_by_language={"en": 9500}), salad(400), "word_salad"),
        (WordOrder(max_pair_ratio_bp=9500, max_pair_ratio_bp_by_language={"de": 10000}), salad(400), "word_salad"),
        (WordOrder(max_pair_ratio_bp=20000, long_min_words=300, long_max_pair_ratio_bp_by_language={"en": 9500}),
         salad(400), "word_salad"),
        (WordOrder(max_pair_ratio_bp=20000, long_min_words=500, long_max_pair_ratio_bp_by_language={"en": 9500}),
         salad(400), "kept"),  # shorter than long_min_words: the general bound
        (FunctionWords(), PROSE, "kept"),
        (FunctionWords(), MISPLACED, "misplaced_function_words"),
        (FunctionWords(languages=("de",)), MISPLACED, "kept"),
        (FunctionWords(), PROSE + " The the", "kept"),  # one slip is no word salad
        (FunctionWords(), "Update po/an.po, po/an.mo and po/an.gmo; install the .so and the .desktop files.", "kept"),
        (Vocabulary(), PROSE, "kept"),
        (Vocabulary(), TEMPLATED, "small_vocabulary"),
        (Vocabulary(), TEMPLATED[:150], "kept"),  # under min_words: not judged
        (TitleCase(), PROSE, "kept"),
        (TitleCase(), " | ".join(word.title() for word in VOCABULARY), "title_case_words"),
    ],
)  # fmt: skip
def test_a_gate_keeps_or_drops_with_its_reason(gate: Gate, text: str, reason: str) -> None:
    assert gate.check(doc(text)).reason == reason


def test_the_first_gate_that_drops_decides_and_names_itself() -> None:
    gates = build_gates({"gopher_quality": {}, "gopher_repetition": {}})
    decision = judge(doc("\n".join(["Buy cheap watches online today, it is a deal of the day!"] * 50)), gates)
    assert (decision.kept, decision.gate, decision.reason) == (False, "gopher_repetition", "duplicate_lines")
    assert judge(doc(PROSE), gates).kept


def test_every_gate_has_a_unique_name_and_defaults_that_keep_real_prose() -> None:
    assert len(GATES) == 12
    assert all(GATES[name]().check(doc(PROSE)).kept for name in GATES)


def test_word_order_is_the_same_on_every_run() -> None:
    text = salad(500)
    assert WordOrder().check(doc(text)).value == WordOrder().check(doc(text)).value


def test_policy_v2_judges_documents_with_its_own_thresholds() -> None:
    judge_v2 = DocumentJudge(load_policy("v2").config)
    assert judge_v2(PROSE).kept
    spam = judge_v2("\n".join(["Buy cheap watches online today, it is a deal of the day!"] * 50))
    assert (spam.gate, spam.reason) == ("gopher_repetition", "duplicate_lines")
