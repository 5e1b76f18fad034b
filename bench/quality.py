"""Quality figures: how well a document-level judge keeps good text and drops junk, on a labelled set built from
this machine, with datatrove's FineWeb chain as the anchor: bench/out/quality.json (and quality_reasons.json).

Runs alone (`python bench/quality.py`, about a minute on one core); `--limit N` makes a quick run (at most N
documents per source, kind and damage, N mixed files of N records), `--seed TEXT` draws the labelled set from
another seed than the committed one (corpus.labelled.SEED; the environment variable QUALITY_SEED does the same):
a set of the same kinds nobody tuned on, e.g. `--seed polyphony-quality-holdout-7`, and `--dump DIR` also writes
the labelled set out as files, one folder per class and kind, with an index.jsonl of the labels. The seed is
written into quality.json (`seed`).

The labelled set (good, borderline and junk documents, and mixed JSON Lines files of both) is built by
corpus.labelled from this machine's text (corpus.system), its junk by the generators of corpus.junk; their
docstrings say what is in it.

A judge maps a document's text to a Judgement (kept or not, and why). `judges()` lists them by the prefix of their
figures; the first is the anchor:
- `datatrove`: datatrove's GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter ->
  FineWebQualityFilter with their default thresholds, chained as a datatrove pipeline chains them (a document one
  filter drops is not seen by the next, and the next sees the lines C4QualityFilter kept);
- `v1`: Polyphony's policy v1, `analyse` + `finalise` of the document as a plain-text contribution with no earlier
  duplicates; kept when the verdict is "pass"; the reason is the gate that fired, else the lowest-scoring
  weighed dimension and its reason;
- `v2`: the current policy's per-document gates (polyphony.scoring.gates), the first that drops a document naming
  why: what policy v2 decides for each document of an upload.

The figures, for each judge under its prefix (`datatrove_...`, `v1_...`, `v2_...`), shares between 0 and 1, and
the evaluated policy's (v2) also unprefixed, under the names the project's goals use:
- good_pass_rate: the share of good documents kept; good_pass_rate_<language> and good_pass_rate_<genre> within
  one language or genre;
- junk_pass_rate: the share of junk documents kept (lower is better); junk_pass_rate_<kind> for each generator;
- borderline_pass_rate: the share of damaged good documents kept; borderline_pass_rate_<damage> for each damage;
- mixed_kept_precision: among the mixed files' records a judge keeps, the share that are good (null if it keeps
  none); mixed_kept_recall: among the good records, the share it keeps.
Besides: count_<class> and count_<class>_<group> (documents per class and group), count_mixed_files,
count_mixed_records and count_mixed_good_records; `anchor`, and `datatrove_good_keep_rate` and
`datatrove_junk_keep_rate`, the anchor's two pass rates under the names the project uses for them; `ratio`, v2's
good_pass_rate over the anchor's (how many good documents v2 keeps for each one the anchor keeps; it says nothing
about junk). The near-copy figures (near_copy_recall_<edit>, near_copy_false_match_rate) are corpus.near_copies': the
current policy's per-document copy check on the good documents, through the shared index in a real Redis.
quality_reasons.json holds, for each judge, its three most frequent reasons for dropping good,
borderline and junk documents.
"""

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from corpus import labelled as labelled_set
from corpus.labelled import BORDERLINE, GOOD, JUNK, Labelled, MixedFile, build_labelled_set, dump, use_seed
from corpus.near_copies import near_copy_figures
from corpus.system import ensure_translated_man_pages
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
    parser.add_argument(
        "--seed",
        default=os.environ.get("QUALITY_SEED") or labelled_set.SEED,
        help="draw the labelled set from this seed (default: $QUALITY_SEED, else the committed one)",
    )
    parser.add_argument("--dump", type=Path, metavar="DIR", help="also write the labelled set to DIR, to read it")
    return parser.parse_args()


def main() -> None:
    options = arguments()
    started = time.perf_counter()
    ensure_translated_man_pages()
    use_seed(options.seed)
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
    summary |= near_copy_figures([doc.text for doc in documents if doc.label == GOOD], seed=options.seed)
    prefixed = {f"{name}_{figure}": value for name, rates in by_judge.items() for figure, value in rates.items()}
    OUT.mkdir(exist_ok=True)
    (OUT / "quality.json").write_text(json.dumps({"seed": options.seed} | counts | summary | prefixed, indent=2) + "\n")
    (OUT / "quality_reasons.json").write_text(json.dumps(reasons, indent=2, ensure_ascii=False) + "\n")
    print(table(by_judge, rate_sizes(documents, records)))
    print(json.dumps(summary))
    print(reasons_text(reasons))
    print(f"seed: {options.seed}")
    print(f"runtime: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
