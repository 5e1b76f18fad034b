"""Real data for the demo, written by people outside this project and present on every machine with Python.

The texts are the reference documentation of Python standard-library modules (pydoc's plain-text rendering of
their docstrings, © the Python Software Foundation, PSF-2.0); the table is Unicode character data from the
interpreter's own `unicodedata` database (Unicode-3.0). One contributor also hands in a near copy of another's
text, which the scorer must catch.
"""

import csv
import importlib
import io
import pydoc
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


TEXT_MODULES = ("json", "csv", "sqlite3", "argparse")


def write_demo_files(folder: Path) -> dict[str, DemoFile]:
    """Write the demo's files into `folder`; by contributor name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: _module_text(folder, module) for name, module in zip(_TEXT_AUTHORS, TEXT_MODULES, strict=True)}
    files["eve"] = _near_copy(folder, files["alice"])
    files["frank"] = _unicode_table(folder)
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


def _unicode_table(folder: Path) -> DemoFile:
    """Letters of the Latin Extended-A block: code point, name, category, lower and upper case."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code_point", "character", "name", "category", "lower", "upper"])
    for code in range(0x0100, 0x0180):
        char = chr(code)
        writer.writerow([f"U+{code:04X}", char, unicodedata.name(char, ""), unicodedata.category(char),
                         char.lower(), char.upper()])  # fmt: skip
    path = folder / "latin-extended-a.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return DemoFile(path, "Latin Extended-A letters", "Unicode-3.0", "tabular", "")
