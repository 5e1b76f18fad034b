"""`polyphony rescore --policy VERSION [--id N ...]`: the operator's, on this machine's database.

New contributions are scored under the current policy; those scored under an earlier one keep their score until
the operator asks for this. Their earlier scores stay in the history, and nothing is paid twice: a contribution
an epoch has paid is never paid again, whatever its new score.
"""

from typing import Annotated

import typer

from cli.command import console, one_line_errors
from polyphony.db import session_scope
from polyphony.scores import flow


def rescore(
    policy: Annotated[str, typer.Option("--policy", help="The current policy's version, e.g. v2.")],
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only this contribution (repeat for more).")] = None,
) -> None:
    """Score again, under the current policy, contributions scored under an earlier one."""
    with one_line_errors(), session_scope() as session:
        sent = flow.rescore(session, version=policy, contribution_ids=ids)
    console.print(f"sent {len(sent)} contributions for scoring under policy {policy}" + (f": {sent}" if sent else ""))
