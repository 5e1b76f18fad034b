"""`polyphony score FILE...`: what each file would score, offline, before it is uploaded.

No stack is needed: each file is checked as the upload checks it and scored by the current policy as the scoring
workers score it (copies of other people's contributions aside, which only the running stack knows). The models
load once for all the files. Exit codes: 0 every file was read and scored, whatever its verdict; 2 a file could
not be read or the upload would refuse it (one line on stderr each, with the upload's error code; the other
files are still scored).
"""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.command import EXIT_FAILED, console
from polyphony.errors import PolyphonyError
from polyphony.formats.declared import format_of
from polyphony.formats.readers import FormatLimits
from polyphony.scores.preview import ScorePreview, preview_file

errors = Console(stderr=True, soft_wrap=True)


def score(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="The files to score.")],
    format_name: Annotated[
        str | None, typer.Option("--format", help="text, jsonl, csv or parquet; default: from each extension.")
    ] = None,
    modality: Annotated[str | None, typer.Option(help="text, tabular or image; default: from the format.")] = None,
    text_field: Annotated[
        str | None,
        typer.Option(help="The field of each JSONL, CSV or Parquet record that holds its text; default: 'text'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file, one per line.")] = False,
) -> None:
    """Score each FILE as the scoring workers would, without uploading it."""
    scored: list[tuple[Path, ScorePreview]] = []
    unreadable = 0
    for path in files:
        try:
            fmt, kind = format_of(path.name, format_name=format_name, modality=modality)
            preview = preview_file(path, fmt=fmt, modality=kind, limits=FormatLimits(), text_field=text_field)
        except PolyphonyError as refused:
            errors.print(f"[red]polyphony:[/] {escape(str(path))}: {escape(refused.message)} ({refused.code})")
            unreadable += 1
            continue
        except OSError as error:
            errors.print(f"[red]polyphony:[/] {escape(str(path))}: {escape(error.strerror or str(error))}")
            unreadable += 1
            continue
        if as_json:
            sys.stdout.write(json.dumps(preview.to_json(file=str(path)), ensure_ascii=False) + "\n")
        scored.append((path, preview))
    if not as_json and scored:
        console.print(_table(scored))
    if unreadable:
        raise typer.Exit(EXIT_FAILED)


def _table(scored: list[tuple[Path, ScorePreview]]) -> Table:
    table = Table("file", "score", "verdict", "documents kept", "weakest", title="scores under the current policy")
    for path, preview in scored:
        verdict = f"[green]{preview.verdict}[/]" if preview.verdict == "pass" else f"[red]{preview.verdict}[/]"
        kept = f"{preview.kept_records:,} of {preview.records:,}"
        table.add_row(escape(str(path)), f"{preview.score:,}", verdict, kept, escape(_weakest(preview)))
    return table


def _weakest(preview: ScorePreview) -> str:
    """The weighed dimension that scored lowest, with its reason (`--json` has every dimension, explained)."""
    weighed = [(shown["score"], name) for name, shown in preview.dimensions.items() if shown.get("weight")]
    gates = [name for name, shown in preview.dimensions.items() if shown.get("score") == 0 and not shown.get("weight")]
    if not weighed and not gates:
        return ""
    name = gates[0] if gates else min(weighed)[1]
    shown = preview.dimensions[name]
    return f"{name}: {shown['reason']} ({shown['score']:,})"
