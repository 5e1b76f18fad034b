"""Readers for the text this machine ships, shared by the benchmarks that build corpora from it (scoring, quality),
and the Debian packages of translated man pages (TRANSLATED_MAN_PAGES, by man page folder) that the quality
benchmark's good set needs: `ensure_translated_man_pages` installs them when they are missing (as root) or says
which to install.

A library module, not a benchmark: running it alone does nothing.
"""

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

_ROFF_FONT = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)")
_ROFF_SIZE = re.compile(r"\\s[+-]?\d+")
_ROFF_NAMED = re.compile(r"\\\((..)|\\\[([^\]]*)\]|\\\*(?:\(..|\[[^\]]*\]|.)")
_ROFF_CHARS = {"em": "\u2014", "en": "\u2013", "aq": "'", "dq": '"', "lq": "\u201c", "rq": "\u201d", "bu": "\u2022"}
_ROFF_TEXT_MACROS = re.compile(r"^\.(?:SH|SS|B|I|BI|BR|IB|IR|RB|RI|SM|SB|TP|IP|Nm|Nd|Sh|Ss|Fl|Ar|Pa|It)\b\s*(.*)$")


def strip_roff(source: str) -> str:
    """The running text of a man page: macro arguments kept, other requests dropped, escapes resolved."""
    lines = []
    for line in source.split("\n"):
        if line.startswith((".", "'")):
            macro = _ROFF_TEXT_MACROS.match(line)
            if macro is None:
                if line.startswith((".PP", ".LP", ".P\n", ".Pp", ".sp")):
                    lines.append("")
                continue
            line = macro.group(1).replace('"', "")
        line = _ROFF_FONT.sub("", line)
        line = _ROFF_SIZE.sub("", line)
        line = _ROFF_NAMED.sub(lambda m: _ROFF_CHARS.get(m.group(1) or m.group(2) or "", ""), line)
        line = line.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\").replace("\\ ", " ")
        lines.append(line.replace("\\|", "").replace("\\^", "").replace("\\c", ""))
    return "\n".join(lines)


def man_page_text(path: Path) -> str:
    """A man page file's running text: decompressed if gzip, bad UTF-8 replaced, roff stripped."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return strip_roff(raw.decode("utf-8", errors="replace"))


def text_file(path: Path) -> str | None:
    """A documentation file's text, decompressed if gzip; None for broken gzip, binary, blank or non-UTF-8 files."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return None
    if b"\0" in raw or not raw.strip():
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


TRANSLATED_MAN_PAGES = {
    "de": "manpages-de",
    "es": "manpages-es",
    "fr": "manpages-fr",
    "it": "manpages-it",
    "pl": "manpages-pl",
    "pt_BR": "manpages-pt-br",
    "ru": "manpages-ru",
}


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
