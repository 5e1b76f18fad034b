"""The quality benchmark's labelled set, built from this machine: good, borderline and junk documents, and mixed
JSON Lines files of good and junk records; `dump` writes it out as files, one folder per class and kind, with an
index.jsonl of the labels.

The labelled set (every random choice is drawn from a generator seeded with SEED and its purpose, over sorted
paths, so two runs on one machine build the same set; `use_seed` draws another set of the same kinds):
- good: real text in several genres: READMEs under /usr/share/doc (prose documentation), the licenses in
  /usr/share/common-licenses, Debian changelogs, package descriptions (the Description fields of
  /var/lib/dpkg/status), and man pages (roff stripped), untranslated ("en") and translated by Debian's
  manpages-<lang> packages (the language is the man page folder: de, es, fr, it, pl, pt_BR, ru). When those are
  missing the benchmark installs them (as root) or says which packages to install. GOOD_PER_SOURCE documents per
  genre and language; files are drawn one Debian package at a time, so no package's pages fill a genre. Files are
  cut at paragraph boundaries into documents of at most MAX_DOC_BYTES bytes of UTF-8 (most man pages are one
  document), at most PARTS_PER_FILE per file; a document has at least MIN_WORDS words, the length below which
  datatrove and v1 call text too short, so the good set asks whether real text is kept, not whether stubs are.
- borderline: other real documents with light damage, labelled good: a few typos, a stray line of markup, or the
  last paragraph cut off mid-sentence.
- junk: JUNK_PER_KIND documents from each of the generators in JUNK_KINDS (spam lines, gibberish, word salad and
  Markov text drawn from the English good documents, lorem ipsum, numbers, keyword lists, base64, hex dumps, web
  page boilerplate, templated spam, keyboard mash, link lists).
- mixed: MIXED_FILES JSON Lines files of RECORDS_PER_FILE records each, good records (further real documents)
  and junk records (new generator instances) interleaved, MIXED_JUNK_SHARE of them junk; each record carries its
  label in its metadata, and the judges see its text alone.
"""

import functools
import itertools
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from corpus.junk import JUNK_KINDS, Material, material_from
from corpus.system import TRANSLATED_MAN_PAGES, man_page_text, text_file

SEED = "polyphony-quality-1"  # the committed set; `use_seed` (bench/quality.py --seed) draws another, as valid

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

GOOD, BORDERLINE, JUNK = "good", "borderline", "junk"


def use_seed(seed: str) -> None:
    """Draw every later set from `seed` instead of SEED: a set of the same kinds that the gates were not tuned on."""
    global SEED
    SEED = seed


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


# Junk documents ----------------------------------------------------------------------------------------------


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
