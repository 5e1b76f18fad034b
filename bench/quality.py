"""Quality figures: how well a document-level judge keeps good text and drops junk, on a labelled set built from
this machine, with datatrove's FineWeb chain as the anchor: bench/out/quality.json (and quality_reasons.json).

Runs alone (`python bench/quality.py`, about a minute on one core); `--limit N` makes a quick run (at most N
documents per source, kind and damage, N mixed files of N records), and `--dump DIR` also writes the labelled set
out as files, one folder per class and kind, with an index.jsonl of the labels.

The labelled set (every random choice is drawn from a generator seeded with SEED and its purpose, over sorted
paths, so two runs on one machine build the same set):
- good: real text in several genres: READMEs under /usr/share/doc (prose documentation), the licenses in
  /usr/share/common-licenses, Debian changelogs, package descriptions (the Description fields of
  /var/lib/dpkg/status), and man pages (roff stripped), untranslated ("en") and translated by Debian's
  manpages-<lang> packages (the language is the man page folder: de, es, fr, it, pl, pt_BR, ru). When those are
  missing the benchmark installs them (as root) or says which packages to install. GOOD_PER_SOURCE documents per
  genre and language; files are drawn one Debian package at a time, so no package's pages fill a genre. Files are
  cut at paragraph boundaries into documents of at most MAX_DOC_BYTES bytes of UTF-8 (most man pages are one
  document), at most PARTS_PER_FILE per file; a document has at least MIN_WORDS words, the length below which
  both judges call text too short, so the good set asks whether real text is kept, not whether stubs are.
- borderline: other real documents with light damage, labelled good: a few typos, a stray line of markup, or the
  last paragraph cut off mid-sentence.
- junk: JUNK_PER_KIND documents from each of the generators in JUNK_KINDS (spam lines, gibberish, word salad and
  Markov text drawn from the English good documents, lorem ipsum, numbers, keyword lists, base64, hex dumps, web
  page boilerplate, templated spam, keyboard mash, link lists).
- mixed: MIXED_FILES JSON Lines files of RECORDS_PER_FILE records each, good records (further real documents)
  and junk records (new generator instances) interleaved, MIXED_JUNK_SHARE of them junk; each record carries its
  label in its metadata, and the judges see its text alone.

A judge maps a document's text to a Judgement (kept or not, and why). `judges()` lists them by the prefix of their
figures; the first is the anchor:
- `datatrove`: datatrove's GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter ->
  FineWebQualityFilter with their default thresholds, chained as a datatrove pipeline chains them (a document one
  filter drops is not seen by the next, and the next sees the lines C4QualityFilter kept);
- `v1`: Polyphony's policy v1, `analyse` + `finalise` of the document as a plain-text contribution with no earlier
  duplicates; kept when the verdict is "pass"; the reason is the gate that fired, else the lowest-scoring
  weighed dimension and its reason.

The figures, for each judge under its prefix (`datatrove_...`, `v1_...`), shares between 0 and 1:
- good_pass_rate: the share of good documents kept; good_pass_rate_<language> and good_pass_rate_<genre> within
  one language or genre;
- junk_pass_rate: the share of junk documents kept (lower is better); junk_pass_rate_<kind> for each generator;
- borderline_pass_rate: the share of damaged good documents kept; borderline_pass_rate_<damage> for each damage;
- mixed_kept_precision: among the mixed files' records a judge keeps, the share that are good (null if it keeps
  none); mixed_kept_recall: among the good records, the share it keeps.
Besides: count_<class> and count_<class>_<group> (documents per class and group), count_mixed_files,
count_mixed_records and count_mixed_good_records; `anchor`, and `datatrove_good_keep_rate` and
`datatrove_junk_keep_rate`, the anchor's two pass rates under the names the project uses for them; `ratio`, v1's
good_pass_rate over the anchor's (how many good documents v1 keeps for each one the anchor keeps; it says nothing
about junk). quality_reasons.json holds, for each judge, its three most frequent reasons for dropping good,
borderline and junk documents.
"""

import argparse
import base64
import functools
import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from corpus import man_page_text, text_file
from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.filters.base_filter import get_filter_result

from polyphony.scoring import Analysis, Duplicates, analyse, finalise, load_policy
from polyphony.scoring.gates import DocumentJudge

OUT = Path(__file__).resolve().parent / "out"
SEED = "polyphony-quality-1"  # change it to draw a different (equally valid) labelled set

MAX_DOC_BYTES = 20_000  # UTF-8: a Russian page holds half the characters of an English one
MIN_WORDS = 50  # Gopher's min_doc_words in datatrove, and where v1's min_words rule gives full marks
PARTS_PER_FILE = 2  # so one long changelog or man page cannot fill a genre
GOOD_PER_SOURCE = 100  # good documents per genre and language
SPARE_PER_SOURCE = 70  # further real documents per genre and language, damaged into borderline ones or mixed in
BORDERLINE_PER_DAMAGE = 40
JUNK_PER_KIND = 15
MIXED_FILES = 20
RECORDS_PER_FILE = 50
MIXED_JUNK_SHARE = 0.4

MAN = Path("/usr/share/man")
DOC = Path("/usr/share/doc")
LICENSES = Path("/usr/share/common-licenses")
DPKG_STATUS = Path("/var/lib/dpkg/status")
DPKG_INFO = Path("/var/lib/dpkg/info")
TRANSLATED_MAN_PAGES = {
    "de": "manpages-de",
    "es": "manpages-es",
    "fr": "manpages-fr",
    "it": "manpages-it",
    "pl": "manpages-pl",
    "pt_BR": "manpages-pt-br",
    "ru": "manpages-ru",
}

GOOD, BORDERLINE, JUNK = "good", "borderline", "junk"


def rng_for(*purpose: object) -> random.Random:
    """A generator of its own for each purpose, so adding a draw in one place leaves every other draw unchanged."""
    # Seeded on purpose (the set must be the same on every run) and guarding no secret; a str seed is hashed
    # with SHA-512, so it does not depend on PYTHONHASHSEED.
    return random.Random(":".join(map(str, (SEED, *purpose))))  # noqa: S311


@dataclass(frozen=True)
class Labelled:
    """One document of the evaluation set and what a judge should do with it."""

    text: str
    label: str  # GOOD, BORDERLINE (damaged good text, to be kept too) or JUNK
    kind: str  # the genre of good text, the damage done to borderline text, the generator of junk
    language: str  # the man page folder the text came from, "en" for other real text, "" for junk
    origin: str  # a path and part number, a package, or a generator and its instance

    def labels(self) -> dict[str, str]:
        """Everything but the text: what a mixed file's record carries in its metadata, and the dump's index."""
        return {"label": self.label, "kind": self.kind, "language": self.language, "origin": self.origin}


# Good text ----------------------------------------------------------------------------------------------------

Texts = Callable[[random.Random], Iterator[tuple[str, str]]]  # (origin, text) pairs, in an order drawn from the rng


@dataclass(frozen=True)
class GoodSource:
    """Real text of one genre in one language."""

    genre: str
    language: str
    texts: Texts


def good_sources() -> list[GoodSource]:
    return [
        GoodSource("readme", "en", files(doc_files("readme"), text_file)),
        GoodSource("license", "en", files(license_files(), text_file)),
        GoodSource("changelog", "en", files(doc_files("changelog"), text_file)),
        GoodSource("package_description", "en", package_descriptions),
        GoodSource("man", "en", files(man_files(MAN), man_page_text)),
        *(
            GoodSource("man", language, files(man_files(MAN / language), man_page_text))
            for language in TRANSLATED_MAN_PAGES
        ),
    ]


def doc_files(name: str) -> list[Path]:
    """Files under /usr/share/doc whose name starts with `name` (any case), web pages left out."""
    return sorted(
        path
        for path in DOC.rglob("*")
        if path.name.lower().startswith(name) and ".htm" not in path.name and _regular(path)
    )


def license_files() -> list[Path]:
    return sorted(path for path in LICENSES.iterdir() if _regular(path))  # the symlinks (GPL -> GPL-3) are copies


def man_files(root: Path) -> list[Path]:
    """The man pages of one folder: /usr/share/man (untranslated) or /usr/share/man/<language>."""
    return sorted(path for path in root.glob("man*/*") if _regular(path))


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def files(paths: list[Path], read: Callable[[Path], str | None]) -> Texts:
    """The texts of the readable files among `paths`, dealt a package at a time, each read only when reached."""

    def texts(rng: random.Random) -> Iterator[tuple[str, str]]:
        for path in dealt_by_package(paths, rng):
            text = read(path)
            if text is not None:
                yield str(path), text

    return texts


def dealt_by_package(paths: list[Path], rng: random.Random) -> list[Path]:
    """`paths` in a shuffled order that takes one file of each Debian package in turn, then a second of each, and
    so on: one package's thousands of generated pages (google-cloud-cli's gcloud_*) cannot fill a genre."""
    owners = package_owners()
    families: dict[str, list[Path]] = {}
    for path in shuffled(paths, rng):  # so the families come in a shuffled order too
        families.setdefault(owners.get(str(path), str(path)), []).append(path)
    rounds = itertools.zip_longest(*families.values())
    return [path for round_ in rounds for path in round_ if path is not None]


@functools.cache
def package_owners() -> dict[str, str]:
    """The Debian package that installed each file, from dpkg's file lists (empty where there are none)."""
    owners = {}
    for listing in sorted(DPKG_INFO.glob("*.list")):
        package = listing.stem.partition(":")[0]  # "libc6:amd64.list" names package libc6
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            owners[line] = package
    return owners


def package_descriptions(rng: random.Random) -> Iterator[tuple[str, str]]:
    """Each installed package's description as a page would show it: its name, the synopsis, the long text."""
    described = dict(re.findall(r"^Package: (\S+)\n(?:.+\n)*?Description: (.*(?:\n .*)*)", _dpkg_status(), re.M))
    # Sister packages often share one description: keep it once, under the first of their names.
    unique = {description: package for package, description in sorted(described.items(), reverse=True)}
    for description, package in shuffled(sorted(unique.items()), rng):
        synopsis, _, body = description.partition("\n")
        # In the control file format a long description's lines start with a space, and " ." is a blank line.
        paragraphs = "\n".join("" if line == " ." else line[1:] for line in body.split("\n"))
        yield f"dpkg:{package}", f"{package}: {synopsis}\n\n{paragraphs}"


def _dpkg_status() -> str:
    return DPKG_STATUS.read_text(encoding="utf-8", errors="replace") if DPKG_STATUS.exists() else ""


T = TypeVar("T")


def shuffled(items: list[T], rng: random.Random) -> list[T]:
    copy = list(items)
    rng.shuffle(copy)
    return copy


def tidy(text: str) -> str:
    """Trailing spaces dropped and runs of blank lines made one, as a page shows them (strip_roff leaves many)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_document(text: str, limit: int = MAX_DOC_BYTES) -> list[str]:
    """`text` cut at paragraph boundaries into parts of at most `limit` UTF-8 bytes; a paragraph longer than that is
    cut at line boundaries, and a line longer than that anywhere."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph.encode()) <= limit:
            pieces.append(paragraph)
        else:
            width = limit // 4  # characters: a slice this long fits even at four bytes a character
            lines = [line[i : i + width] for line in paragraph.split("\n") for i in range(0, len(line), width)]
            pieces += _pack(lines, "\n", limit)
    return _pack(pieces, "\n\n", limit)


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    """Consecutive pieces joined by `separator`, in order, into as few parts of at most `limit` bytes as fit."""
    packed: list[str] = []
    sizes: list[int] = []
    for piece in pieces:
        size = len(piece.encode())
        if packed and sizes[-1] + len(separator) + size <= limit:
            packed[-1] += separator + piece
            sizes[-1] += len(separator) + size
        else:
            packed.append(piece)
            sizes.append(size)
    return packed


def collect(source: GoodSource, wanted: int) -> list[Labelled]:
    """Up to `wanted` documents of a source: parts of its files, at most PARTS_PER_FILE of each, long enough."""
    found: list[Labelled] = []
    for origin, text in source.texts(rng_for(GOOD, source.genre, source.language)):
        parts = [part for part in split_document(tidy(text)) if len(part.split()) >= MIN_WORDS]
        for number, part in enumerate(parts[:PARTS_PER_FILE], start=1):
            found.append(Labelled(part, GOOD, source.genre, source.language, f"{origin}#{number}"))
        if len(found) >= wanted:
            break
    if not found:
        sys.exit(f"No {source.genre} documents in language {source.language!r} on this machine")
    return found[:wanted]


# Borderline text: real documents lightly damaged -------------------------------------------------------------

STRAY_MARKUP = ('<div class="content">', "</p><p>", "<br/>", '<span style="font-weight:bold">', "&nbsp;&nbsp;")


def with_typos(text: str, rng: random.Random) -> str:
    """Three to six words with two neighbouring letters swapped."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    for i in rng.sample(candidates, min(len(candidates), rng.randint(3, 6))):
        word, at = words[i], rng.randrange(1, len(words[i]) - 2)
        words[i] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def with_stray_markup(text: str, rng: random.Random) -> str:
    """One line of HTML left before one of the paragraphs."""
    paragraphs = text.split("\n\n")
    paragraphs.insert(rng.randrange(len(paragraphs)), rng.choice(STRAY_MARKUP))
    return "\n\n".join(paragraphs)


def truncated(text: str, rng: random.Random) -> str:
    """The last paragraph cut off at a space somewhere in its middle, as a failed download leaves it."""
    head, _, last = text.rpartition("\n\n")
    cut = last.rfind(" ", 0, rng.randint(len(last) // 3, 2 * len(last) // 3 + 1))
    kept = last[: cut if cut > 0 else len(last) // 2]
    return f"{head}\n\n{kept}" if head else kept


DAMAGES: dict[str, Callable[[str, random.Random], str]] = {
    "typos": with_typos,
    "stray_markup": with_stray_markup,
    "truncated": truncated,
}


def damaged(spare: list[Labelled], per_damage: int) -> list[Labelled]:
    """`per_damage` documents for each damage, taken in turn from `spare`."""
    documents = []
    for number, (document, name) in enumerate(zip(spare, list(DAMAGES) * per_damage, strict=False)):
        text = DAMAGES[name](document.text, rng_for(BORDERLINE, number))
        documents.append(Labelled(text, BORDERLINE, name, document.language, document.origin))
    return documents


# Junk --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """What junk made of real words draws on: the English good documents' words (as often as they occur there),
    and, for Markov text, which word or punctuation mark follows which."""

    words: list[str]
    starts: list[str]  # capitalised words after a full stop: where a Markov walk may begin
    successors: dict[str, list[str]]


def material_from(texts: list[str]) -> Material:
    tokens = [token for text in texts for token in re.findall(r"[A-Za-z]+(?:'[a-z]+)?|[.,;:!?]", text)]
    successors: dict[str, list[str]] = {}
    for current, following in itertools.pairwise(tokens):
        successors.setdefault(current, []).append(following)
    starts = [word for before, word in itertools.pairwise(tokens) if before == "." and word.istitle()]
    return Material([token.lower() for token in tokens if token.isalpha()], starts or ["The"], successors)


def sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def paragraphs_of(rng: random.Random, sentence: Callable[[], str], paragraphs: int, per_paragraph: int) -> str:
    """About `paragraphs` paragraphs of about `per_paragraph` sentences each, every count drawn around those."""
    return "\n\n".join(
        " ".join(sentence() for _ in range(rng.randint(2, 2 * per_paragraph)))
        for _ in range(rng.randint(paragraphs // 2 + 1, 2 * paragraphs))
    )


SPAM_LINES = (
    "CLICK HERE to claim your FREE prize now!!! Limited offer, act fast.",
    "Best online casino bonus this year - sign up today and win big",
    "Make 5000 dollars a week from home, no experience needed, start now",
    "Cheap replica watches, free shipping worldwide, order today",
    "You have been selected for an exclusive reward. Confirm your details here.",
)


def repeated_spam_line(rng: random.Random, material: Material) -> str:
    return "\n".join([rng.choice(SPAM_LINES)] * rng.randint(200, 600))


def consonant_gibberish(rng: random.Random, material: Material) -> str:
    """Sentences of made-up words with no vowel, shaped like prose (capitals, full stops, paragraphs)."""

    def word() -> str:
        return "".join(rng.choices("bcdfghjklmnpqrstvwxz", k=rng.randint(2, 9)))

    return paragraphs_of(rng, lambda: sentence([word() for _ in range(rng.randint(5, 14))]), 5, 4)


def word_salad(rng: random.Random, material: Material) -> str:
    """Real English words in random order, as often as the good documents use them, shaped like prose."""
    return paragraphs_of(rng, lambda: sentence(rng.choices(material.words, k=rng.randint(6, 18))), 5, 4)


def markov_text(rng: random.Random, material: Material) -> str:
    """A walk on which token follows which in the good documents: locally plausible, globally meaningless."""
    tokens = [rng.choice(material.starts)]
    for _ in range(rng.randint(300, 1500)):
        tokens.append(rng.choice(material.successors.get(tokens[-1]) or material.starts))
    text = re.sub(r" ([.,;:!?])", r"\1", " ".join(tokens))  # no space before punctuation
    sentences = re.split(r"(?<=[.!?]) ", text)
    paragraphs = []
    while sentences:
        size = rng.randint(2, 8)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return "\n\n".join(paragraphs)


_LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo "
    "consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum"
)
LOREM_WORDS = _LOREM.split()
PAGE_HEADINGS = ("About us", "Our services", "Latest news", "Testimonials", "Contact", "Why choose us")


def lorem_ipsum(rng: random.Random, material: Material) -> str:
    """Placeholder text in three variations: the classic opening; the same words without "lorem ipsum" (which a
    filter looking for that phrase does not see); and a template page, headings between the paragraphs."""
    variation = rng.randrange(3)
    words = [word for word in LOREM_WORDS if variation != 1 or word not in {"lorem", "ipsum"}]
    body = paragraphs_of(rng, lambda: sentence(rng.choices(words, k=rng.randint(6, 16))), 4, 4)
    if variation == 0:
        return "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " + body
    if variation == 2:
        return "\n\n".join(f"{rng.choice(PAGE_HEADINGS)}\n\n{paragraph}" for paragraph in body.split("\n\n"))
    return body


def number_lines(rng: random.Random, material: Material) -> str:
    """One number per line: integers, decimals or signed measurements, a style per document."""
    style = rng.choice(("{:d}", "{:.2f}", "{:+.4f}"))
    scale = rng.choice((100, 10_000, 10_000_000))
    values = (
        rng.uniform(-scale, scale) if "f" in style else rng.randrange(scale) for _ in range(rng.randint(200, 900))
    )
    return "\n".join(style.format(value) for value in values)


SEO_TOPICS = ("flights", "hotels", "car insurance", "loans", "shoes", "phones", "laptops", "vpn", "dating", "crypto")
SEO_WORDS = ("cheap", "best", "top", "free", "discount", "online", "near me", "reviews", "deals", "buy", "sale", "2024")


def keyword_list(rng: random.Random, material: Material) -> str:
    """Comma-separated search keywords, the lists pages stuff for search engines."""

    def keyword() -> str:
        topic, words = rng.choice(SEO_TOPICS), rng.sample(SEO_WORDS, rng.randint(1, 2))
        return " ".join([*words, topic] if rng.random() < 0.6 else [topic, *words])

    lines = [", ".join(keyword() for _ in range(rng.randint(8, 30))) for _ in range(rng.randint(3, 15))]
    return ("Tags: " if rng.random() < 0.5 else "") + "\n".join(lines)


def base64_blob(rng: random.Random, material: Material) -> str:
    encoded = base64.b64encode(rng.randbytes(rng.randint(2_000, 12_000))).decode()
    width = rng.choice((64, 76))
    return "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def hex_dump(rng: random.Random, material: Material) -> str:
    """Offsets, sixteen bytes in hex and their printable characters, as `xxd` shows a binary file."""
    data = rng.randbytes(16 * rng.randint(100, 500))
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        in_hex = " ".join(row[i : i + 2].hex() for i in range(0, 16, 2))
        printable = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in row)
        lines.append(f"{offset:08x}: {in_hex}  {printable}")
    return "\n".join(lines)


MENU_ITEMS = ("Home", "Products", "Services", "Blog", "About", "Careers", "Support", "Contact", "Login", "Cart")


def html_boilerplate(rng: random.Random, material: Material) -> str:
    """What is left of a web page without its content: navigation, cookie banners, tracking scripts, footers."""
    blocks = [_nav_menu, _cookie_banner, _tracking_script, _footer_links]
    return "\n".join(rng.choice(blocks)(rng) for _ in range(rng.randint(4, 16)))


def _nav_menu(rng: random.Random) -> str:
    items = rng.sample(MENU_ITEMS, rng.randint(4, len(MENU_ITEMS)))
    links = "\n".join(f'  <li><a href="/{item.lower()}">{item}</a></li>' for item in items)
    return f'<nav class="main-menu">\n<ul>\n{links}\n</ul>\n</nav>'


def _cookie_banner(rng: random.Random) -> str:
    return (
        '<div id="cookie-banner" class="banner">\n'
        "<p>We use cookies to improve your experience on our site. By continuing to browse you accept our use of "
        'cookies. <a href="/privacy">Learn more</a></p>\n'
        f'<button class="accept">{rng.choice(("Accept", "Accept all", "OK", "Got it"))}</button>\n</div>'
    )


def _tracking_script(rng: random.Random) -> str:
    tag = f"UA-{rng.randrange(10**7, 10**8)}-{rng.randint(1, 9)}"
    return (
        "<script>\nwindow.dataLayer = window.dataLayer || [];\n"
        "function track(){dataLayer.push(arguments);}\n"
        f"track('js', new Date());\ntrack('config', '{tag}');\n</script>\n"
        f'<script async src="https://cdn.example.com/analytics.js?id={tag}"></script>'
    )


def _footer_links(rng: random.Random) -> str:
    links = " | ".join(f'<a href="/{item.lower()}">{item}</a>' for item in rng.sample(MENU_ITEMS, 5))
    return f"<footer>\n<p>{links}</p>\n<p>&copy; {rng.randint(2009, 2024)} All rights reserved.</p>\n</footer>"


SPAM_TEMPLATES = (
    "Buy cheap {product} online.",
    "Best {product} deals in {city}.",
    "Order {product} today and save {percent}%.",
    "Where to buy {product} in {city}?",
    "Discount {product} with free delivery to {city}.",
    "Top rated {product} at the lowest price.",
)
PRODUCTS = ("sunglasses", "running shoes", "phone cases", "vitamins", "handbags", "headphones", "watches", "tyres")
CITIES = ("London", "Berlin", "Madrid", "Toronto", "Sydney", "Chicago", "Paris", "Warsaw", "Lisbon", "Moscow")


def templated_spam(rng: random.Random, material: Material) -> str:
    """One sentence template filled with products and places over and over: repeated n-grams, fresh words."""

    def filled() -> str:
        template = rng.choice(SPAM_TEMPLATES)
        return template.format(product=rng.choice(PRODUCTS), city=rng.choice(CITIES), percent=rng.randint(10, 90))

    return paragraphs_of(rng, filled, 8, 4)


KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def keyboard_mash(rng: random.Random, material: Material) -> str:
    """Runs along a keyboard row, and one key held down."""

    def token() -> str:
        if rng.random() < 0.3:
            return rng.choice("aeiouxz!?.") * rng.randint(5, 40)
        row = rng.choice(KEYBOARD_ROWS)
        start = rng.randrange(len(row) - 2)
        return row[start : rng.randint(start + 3, len(row))] * rng.randint(1, 3)

    return "\n".join(" ".join(token() for _ in range(rng.randint(3, 12))) for _ in range(rng.randint(30, 200)))


def link_list(rng: random.Random, material: Material) -> str:
    """A table of contents with page numbers, a menu bar of links, or a Markdown list of links."""
    titles = [" ".join(rng.choices(material.words, k=rng.randint(1, 4))).title() for _ in range(rng.randint(20, 120))]
    variation = rng.randrange(3)
    if variation == 0:
        pages = itertools.accumulate(rng.randint(1, 12) for _ in titles)
        sections = (f"{n // 5 + 1}.{n % 5 + 1}" for n in itertools.count())  # 1.1 to 1.5, 2.1 to 2.5, ...
        leaders = ("." * (60 - len(title) % 50) for title in titles)
        return "\n".join(" ".join(line) for line in zip(sections, titles, leaders, map(str, pages), strict=False))
    if variation == 1:
        return "\n".join(" | ".join(titles[i : i + 6]) for i in range(0, len(titles), 6))
    return "\n".join(f"* [{title}](https://example.org/{title.lower().replace(' ', '-')})" for title in titles)


JUNK_KINDS: dict[str, Callable[[random.Random, Material], str]] = {
    "repeated_spam_line": repeated_spam_line,
    "consonant_gibberish": consonant_gibberish,
    "word_salad": word_salad,
    "markov_text": markov_text,
    "lorem_ipsum": lorem_ipsum,
    "number_lines": number_lines,
    "keyword_list": keyword_list,
    "base64_blob": base64_blob,
    "hex_dump": hex_dump,
    "html_boilerplate": html_boilerplate,
    "templated_spam": templated_spam,
    "keyboard_mash": keyboard_mash,
    "link_list": link_list,
}


def junk(kind: str, material: Material, *purpose: object) -> Labelled:
    """One junk document of `kind`, drawn from a generator seeded with `purpose`, at most MAX_DOC_BYTES long."""
    text = split_document(JUNK_KINDS[kind](rng_for(JUNK, kind, *purpose), material))[0]
    return Labelled(text, JUNK, kind, "", f"{kind}:{':'.join(map(str, purpose))}")


# Mixed JSON Lines files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MixedFile:
    name: str
    jsonl: str  # one {"id", "text", "metadata": {"label", "kind", "language", "origin"}} object per line


def mixed_files(good: Iterator[Labelled], material: Material, files: int, records: int) -> list[MixedFile]:
    """`files` files of `records` records, each junk with MIXED_JUNK_SHARE chance, else the next `good` document
    (when those run out, in a quick run, the file is shorter)."""
    made = []
    for number in range(1, files + 1):
        rng = rng_for("mixed", number)
        lines = []
        for slot in range(1, records + 1):
            if rng.random() < MIXED_JUNK_SHARE:
                record: Labelled | None = junk(rng.choice(list(JUNK_KINDS)), material, "mixed", number, slot)
            else:
                record = next(good, None)
            if record is not None:
                line = {"id": f"{number}/{slot}", "text": record.text, "metadata": record.labels()}
                lines.append(json.dumps(line, ensure_ascii=False))
        made.append(MixedFile(f"mixed-{number:02d}.jsonl", "\n".join(lines) + "\n"))
    return made


def records_of(mixed: MixedFile) -> list[Labelled]:
    """The records of a mixed file read back from its JSON Lines, with the labels their metadata carries."""
    read = [json.loads(line) for line in mixed.jsonl.splitlines()]
    return [Labelled(record["text"], **record["metadata"]) for record in read]


# The whole set -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledSet:
    documents: list[Labelled]  # good, then borderline, then junk
    mixed: list[MixedFile]

    def records(self) -> list[Labelled]:
        return [record for mixed in self.mixed for record in records_of(mixed)]


def build_labelled_set(limit: int | None) -> LabelledSet:
    """The labelled set; `limit` caps every per-source, per-kind and per-file count (a quick run)."""

    def capped(count: int) -> int:
        return count if limit is None else min(count, limit)

    good: list[Labelled] = []
    spare: list[Labelled] = []
    for source in good_sources():
        found = collect(source, capped(GOOD_PER_SOURCE) + capped(SPARE_PER_SOURCE))
        good += found[: capped(GOOD_PER_SOURCE)]  # the good set first: a small genre (licenses) is all in it
        spare += found[capped(GOOD_PER_SOURCE) :]
    spare = shuffled(spare, rng_for("spare"))
    borderline = damaged(spare, capped(BORDERLINE_PER_DAMAGE))
    material = material_from([document.text for document in good if document.language == "en"])
    junk_documents = [junk(kind, material, n) for kind in JUNK_KINDS for n in range(capped(JUNK_PER_KIND))]
    unused = iter(spare[len(borderline) :])
    mixed = mixed_files(unused, material, capped(MIXED_FILES), capped(RECORDS_PER_FILE))
    return LabelledSet(good + borderline + junk_documents, mixed)


def dump(labelled: LabelledSet, folder: Path) -> None:
    """The set as files, folder/<class>/<kind>/<language>-<n>.txt and folder/mixed/*.jsonl, and an index.jsonl."""
    if folder.exists() and any(folder.iterdir()):
        sys.exit(f"--dump needs a new or empty folder, and {folder} is not empty")
    numbers: Counter[tuple[str, str, str]] = Counter()
    index = []
    for document in labelled.documents:
        group = (document.label, document.kind, document.language)
        numbers[group] += 1
        name = f"{document.language}-{numbers[group]:04d}" if document.language else f"{numbers[group]:04d}"
        path = folder / document.label / document.kind / f"{name}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document.text + "\n", encoding="utf-8")
        index.append(json.dumps({"path": str(path.relative_to(folder)), **document.labels()}, ensure_ascii=False))
    (folder / "mixed").mkdir(parents=True, exist_ok=True)
    for mixed in labelled.mixed:
        (folder / "mixed" / mixed.name).write_text(mixed.jsonl, encoding="utf-8")
    (folder / "index.jsonl").write_text("\n".join(index) + "\n", encoding="utf-8")
    print(f"labelled set written to {folder}")


# Translated man pages ----------------------------------------------------------------------------------------


def ensure_translated_man_pages() -> None:
    """Install Debian's translated man pages if they are missing and we are root; else say what to install."""
    missing = [package for package in TRANSLATED_MAN_PAGES.values() if not _installed(package)]
    if not missing:
        return
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        sys.exit(f"The good set needs Debian's translated man pages; as root, run: {' '.join(install)}")
    print(f"installing {' '.join(missing)} (translated man pages for the good set) ...", flush=True)
    # A failure may be stale package lists: update them once and try again.
    if not (_apt(install) or (_apt(["apt-get", "update"]) and _apt(install))):
        sys.exit(f"Could not install the translated man pages; run it by hand to see why: {' '.join(install)}")


def _installed(package: str) -> bool:
    try:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    except FileNotFoundError:
        sys.exit(f"The good set needs Debian's translated man pages ({package} and others), and this is no Debian")
    return status.stdout == "install ok installed"


def _apt(command: list[str]) -> bool:
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, env=environment).returncode == 0


# Judges ------------------------------------------------------------------------------------------------------


class Judgement(NamedTuple):
    kept: bool
    reason: str  # why it was dropped; for a kept document, what came closest to dropping it (or "kept")


Judge = Callable[[str], Judgement]


class DatatroveChain:
    """datatrove's FineWeb chain with default thresholds; the reason names the filter that dropped the document."""

    def __init__(self) -> None:
        self.steps = {
            "gopher_repetition": GopherRepetitionFilter(),
            "gopher_quality": GopherQualityFilter(),
            "c4_quality": C4QualityFilter(),
            "fineweb_quality": FineWebQualityFilter(),
        }

    def __call__(self, text: str) -> Judgement:
        # One Document through every step, as a pipeline passes it on: C4QualityFilter rewrites its text to the
        # lines it keeps, and FineWebQualityFilter judges those.
        document = Document(text=text, id="0")
        for name, step in self.steps.items():
            kept, reason = get_filter_result(step.filter(document))
            if not kept:
                return Judgement(False, f"{name}:{reason}")
        return Judgement(True, "kept")


class PolicyJudge:
    """A Polyphony scoring policy: the document scored as a plain-text contribution that copies nothing earlier."""

    def __init__(self, version: str) -> None:
        self.policy = load_policy(version)

    def __call__(self, text: str) -> Judgement:
        analysis = analyse(text.encode(), content_format="text", modality="text", policy=self.policy)
        report = finalise(analysis, duplicates=Duplicates(), policy=self.policy)
        return Judgement(report.verdict == "pass", weakest(analysis))


def weakest(analysis: Analysis) -> str:
    """The gate that fired (only validity can, with no duplicates), else the lowest-scoring weighed dimension."""
    dimensions = analysis.dimensions
    gates = sorted(name for name, dimension in dimensions.items() if dimension.gate)
    weighed = sorted(name for name, dimension in dimensions.items() if dimension.weight)
    name = gates[0] if gates else min(weighed, key=lambda name: dimensions[name].score)  # ties: the first by name
    return f"{name}:{dimensions[name].reason}"


class GatesJudge:
    """A policy's per-document gates (policy v2): the first gate that drops the document names why."""

    def __init__(self, version: str) -> None:
        self.judge = DocumentJudge(load_policy(version).config)

    def __call__(self, text: str) -> Judgement:
        decision = self.judge(text)
        return Judgement(decision.kept, "kept" if decision.kept else f"{decision.gate}:{decision.reason}")


def judges() -> dict[str, Judge]:
    """The judges, by the prefix of their figures; the first is the anchor. A new judge is one more line."""
    return {
        "datatrove": DatatroveChain(),
        "v1": PolicyJudge("v1"),
        "v2": GatesJudge("v2"),
    }


ANCHOR_NAME = "datatrove FineWeb chain"


@dataclass(frozen=True)
class JudgedSet:
    """The labelled documents and mixed records with one judge's judgement of each."""

    documents: list[Labelled]
    on_documents: list[Judgement]
    records: list[Labelled]
    on_records: list[Judgement]


def judged_by(name: str, judge: Judge, documents: list[Labelled], records: list[Labelled]) -> JudgedSet:
    started = time.perf_counter()
    on_documents = [judge(document.text) for document in documents]
    on_records = [judge(record.text) for record in records]
    seconds = time.perf_counter() - started
    print(f"{name}: {len(documents)} documents and {len(records)} records judged in {seconds:.0f} s", flush=True)
    return JudgedSet(documents, on_documents, records, on_records)


# Figures -----------------------------------------------------------------------------------------------------

Rates = dict[str, float | None]  # one judge's figures, unprefixed
Figures = dict[str, float | int | str | None]  # the flat object written out


def groups(documents: list[Labelled]) -> dict[str, list[int]]:
    """The positions of the documents in each group a rate is over: "good" for the whole class, "good_de" for one
    language of good text, "good_man" for one genre, "junk_base64_blob" for one kind of junk."""
    found: dict[str, list[int]] = {}
    for label in (GOOD, BORDERLINE, JUNK):
        members = [i for i, document in enumerate(documents) if document.label == label]
        found[label] = members
        for facet in ("language", "kind") if label == GOOD else ("kind",):
            for value in sorted({getattr(documents[i], facet) for i in members}):
                found[f"{label}_{value}"] = [i for i in members if getattr(documents[i], facet) == value]
    return found


def rate_name(group: str) -> str:
    """The name of a group's pass rate: good -> good_pass_rate, good_de -> good_pass_rate_de."""
    label, _, value = group.partition("_")
    return f"{label}_pass_rate" + (f"_{value}" if value else "")


def judge_rates(judged: JudgedSet) -> Rates:
    """One judge's pass rate in each group of documents, and its precision and recall over the mixed records."""
    rates = {
        rate_name(group): _share(sum(judged.on_documents[i].kept for i in members), len(members))
        for group, members in groups(judged.documents).items()
    }
    pairs = zip(judged.records, judged.on_records, strict=True)
    kept_are_good = [record.label == GOOD for record, judgement in pairs if judgement.kept]
    good_records = sum(record.label == GOOD for record in judged.records)
    rates["mixed_kept_precision"] = _share(sum(kept_are_good), len(kept_are_good))
    rates["mixed_kept_recall"] = _share(sum(kept_are_good), good_records)
    return rates


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def count_figures(documents: list[Labelled], mixed: list[MixedFile], records: list[Labelled]) -> dict[str, int]:
    counts = {f"count_{group}": len(members) for group, members in groups(documents).items()}
    counts["count_mixed_files"] = len(mixed)
    counts["count_mixed_records"] = len(records)
    counts["count_mixed_good_records"] = sum(record.label == GOOD for record in records)
    return counts


def rate_sizes(documents: list[Labelled], records: list[Labelled]) -> dict[str, int]:
    """How many documents (or records) each rate is over, for the table."""
    sizes = {rate_name(group): len(members) for group, members in groups(documents).items()}
    good_records = sum(record.label == GOOD for record in records)
    return sizes | {"mixed_kept_precision": len(records), "mixed_kept_recall": good_records}


# The policy being built: its figures also stand unprefixed, under the names the project's goals use.
EVALUATED = "v2"


def summary_figures(by_judge: dict[str, Rates], anchor: str) -> Figures:
    """The evaluated policy's figures unprefixed, the anchor under the project's names for its figures, `ratio`."""
    anchor_good, evaluated_good = by_judge[anchor]["good_pass_rate"], by_judge[EVALUATED]["good_pass_rate"]
    return dict(by_judge[EVALUATED]) | {
        "anchor": ANCHOR_NAME,
        f"{anchor}_good_keep_rate": anchor_good,
        f"{anchor}_junk_keep_rate": by_judge[anchor]["junk_pass_rate"],
        # How many good documents the evaluated policy keeps for each one the anchor keeps: above 1, it loses less
        # good text. It says nothing about junk (a judge that keeps everything scores high): read it with
        # junk_pass_rate.
        "ratio": round(evaluated_good / anchor_good, 3) if evaluated_good is not None and anchor_good else None,
    }


Reasons = dict[str, dict[str, int]]  # class -> reason -> documents dropped for it


def drop_reasons(judged: JudgedSet) -> Reasons:
    """A judge's three most frequent reasons for dropping the documents of each class."""
    pairs = list(zip(judged.documents, judged.on_documents, strict=True))
    return {
        label: dict(
            Counter(
                judgement.reason for document, judgement in pairs if document.label == label and not judgement.kept
            ).most_common(3)
        )
        for label in (GOOD, BORDERLINE, JUNK)
    }


def reasons_text(reasons: dict[str, Reasons]) -> str:
    return "\n".join(
        f"{judge} drops {label}: " + (", ".join(f"{reason} ({n})" for reason, n in top.items()) or "none")
        for judge, by_label in reasons.items()
        for label, top in by_label.items()
    )


def table(by_judge: dict[str, Rates], sizes: dict[str, int]) -> str:
    """Each rate a row, with the number of documents it is over; each judge a column."""
    names = list(by_judge)
    rows = [f"{'figure':<40}{'n':>6}" + "".join(f"{name:>12}" for name in names)]
    for figure, size in sizes.items():
        values = [by_judge[name][figure] for name in names]
        rows.append(f"{figure:<40}{size:>6}" + "".join(f"{'-':>12}" if v is None else f"{v:>12.4f}" for v in values))
    return "\n".join(rows)


# Run ---------------------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, metavar="N", help="at most N documents per source and kind (quick)")
    parser.add_argument("--dump", type=Path, metavar="DIR", help="also write the labelled set to DIR, to read it")
    return parser.parse_args()


def main() -> None:
    options = arguments()
    started = time.perf_counter()
    ensure_translated_man_pages()
    labelled = build_labelled_set(options.limit)
    documents, records = labelled.documents, labelled.records()
    counts = count_figures(documents, labelled.mixed, records)
    print(
        f"labelled set: {counts['count_good']} good, {counts['count_borderline']} borderline and "
        f"{counts['count_junk']} junk documents; {counts['count_mixed_files']} mixed files of "
        f"{counts['count_mixed_records']} records, {counts['count_mixed_good_records']} good"
    )
    if options.dump:
        dump(labelled, options.dump)
    by_judge: dict[str, Rates] = {}
    reasons: dict[str, Reasons] = {}
    for name, judge in judges().items():
        judged = judged_by(name, judge, documents, records)
        by_judge[name], reasons[name] = judge_rates(judged), drop_reasons(judged)
    summary = summary_figures(by_judge, anchor=next(iter(by_judge)))
    prefixed = {f"{name}_{figure}": value for name, rates in by_judge.items() for figure, value in rates.items()}
    OUT.mkdir(exist_ok=True)
    (OUT / "quality.json").write_text(json.dumps(counts | summary | prefixed, indent=2) + "\n")
    (OUT / "quality_reasons.json").write_text(json.dumps(reasons, indent=2, ensure_ascii=False) + "\n")
    print(table(by_judge, rate_sizes(documents, records)))
    print(json.dumps(summary))
    print(reasons_text(reasons))
    print(f"runtime: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
