"""Real data for the demo, written by people outside this project and present on every machine with Python.

The texts are the reference documentation of Python standard-library modules (pydoc's plain-text rendering of
their docstrings, © the Python Software Foundation, PSF-2.0); the table is Unicode character data from the
interpreter's own `unicodedata` database (Unicode-3.0); the records of a JSON Lines file are the paragraphs of
Python's own LICENSE.txt (PSF-2.0). One contributor also hands in a near copy of another's text, one pads good
records with junk, and one uploads nothing but spam: the scorer must catch all three.
"""

import base64
import csv
import importlib
import io
import json
import pydoc
import sysconfig
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoFile:
    """One file a demo contributor uploads, with the metadata `polyphony contribute` takes."""

    path: Path
    title: str
    license_id: str
    modality: str
    language: str


TEXT_MODULES = ("json", "csv", "difflib", "argparse")


def write_demo_files(folder: Path) -> dict[str, DemoFile]:
    """Write the demo's files into `folder`; by contributor name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: _module_text(folder, module) for name, module in zip(_TEXT_AUTHORS, TEXT_MODULES, strict=True)}
    files["eve"] = _near_copy(folder, files["alice"])
    files["frank"] = _unicode_table(folder)
    files["grace"] = _padded_records(folder)
    files["mallory"] = _spam(folder)
    return files


_TEXT_AUTHORS = ("alice", "bob", "carol", "dave")


def _module_text(folder: Path, module: str) -> DemoFile:
    text = pydoc.plain(pydoc.render_doc(importlib.import_module(module)))
    path = folder / f"{module}-reference.txt"
    path.write_text(text, encoding="utf-8")
    return DemoFile(path, f"Python {module} module reference", "PSF-2.0", "text", "en")


def _near_copy(folder: Path, original: DemoFile) -> DemoFile:
    """The original with a handful of words changed: what a copier hopes passes as new."""
    text = original.path.read_text(encoding="utf-8")
    for old, new in (("object", "value"), ("string", "text"), ("Return", "Give back")):
        text = text.replace(old, new, 3)
    path = folder / f"copy-of-{original.path.name}"
    path.write_text(text, encoding="utf-8")
    return DemoFile(path, "My JSON notes", "PSF-2.0", "text", "en")


def _unicode_table(folder: Path, block: str = "Latin Extended-A", codes: range = range(0x0100, 0x0180)) -> DemoFile:
    """The letters of a Unicode block: code point, name, category, lower and upper case."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code_point", "character", "name", "category", "lower", "upper"])
    for code in codes:
        char = chr(code)
        writer.writerow([f"U+{code:04X}", char, unicodedata.name(char, ""), unicodedata.category(char),
                         char.lower(), char.upper()])  # fmt: skip
    path = folder / f"{block.lower().replace(' ', '-')}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return DemoFile(path, f"{block} letters", "Unicode-3.0", "tabular", "")


def second_table(folder: Path) -> DemoFile:
    """More of the same kind of data: the next Unicode block's letters, for when tables are in demand."""
    return _unicode_table(folder, "Latin Extended-B", range(0x0180, 0x0250))


# Junk of three kinds, which the gates drop whatever surrounds it.
JUNK_RECORDS = (
    "Buy cheap watches online today, best prices guaranteed! " * 30,
    base64.b64encode(bytes(range(256)) * 3).decode(),
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. " * 6,
)


def _license_paragraphs() -> list[str]:
    """The long paragraphs of the Python license, as the interpreter ships it."""
    license_text = (Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt").read_text(encoding="utf-8")
    return [" ".join(part.split()) for part in license_text.split("\n\n") if len(part.split()) > 40]


def copied_reference(folder: Path) -> DemoFile:
    """Python's own reference for a module, uploaded as one's own: text the gates pass, copied from elsewhere."""
    return _module_text(folder, "textwrap")


def _padded_records(folder: Path) -> DemoFile:
    """Real paragraphs as JSON Lines records, with a junk record after every fourth: junk padding."""
    paragraphs = _license_paragraphs()
    records: list[str] = []
    for number, paragraph in enumerate(paragraphs[:16]):
        records.append(paragraph)
        if number % 4 == 3:
            records.append(JUNK_RECORDS[(number // 4) % len(JUNK_RECORDS)])
    path = folder / "python-license-records.jsonl"
    path.write_text("".join(json.dumps({"text": record}) + "\n" for record in records), encoding="utf-8")
    return DemoFile(path, "Python license, paragraph by paragraph", "PSF-2.0", "text", "en")


def _spam(folder: Path) -> DemoFile:
    """One advertising line, five hundred times: what a farmer uploads to be paid for bytes."""
    path = folder / "best-deals.txt"
    path.write_text("Buy cheap watches online today, best prices guaranteed!\n" * 500, encoding="utf-8")
    return DemoFile(path, "Great deals", "CC0-1.0", "text", "en")
