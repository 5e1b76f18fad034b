"""The check runner every `polyphony verify` command shares: named checks, run in order, up to the first failure.

A check is a name and a function that returns what it found (a line for a person) or raises `CheckFailed` through
`require`. The runner records each outcome and stops at the first failure, since later checks build on earlier
ones (a manifest that does not match its CID cannot prove a leaf).
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One fact checked: what, and whether it held (with what was found when it did not)."""

    name: str
    ok: bool
    detail: str


class CheckFailed(Exception):
    """A check that cannot go on (the later checks depend on it)."""


CheckStep = Callable[[str, Callable[[], str]], None]


def run_checks(steps: Callable[[CheckStep], None]) -> list[Check]:
    """Every check `steps` runs (each through the `CheckStep` it is given), in order, up to the first that fails."""
    checks: list[Check] = []

    def check(name: str, test: Callable[[], str]) -> None:
        try:
            checks.append(Check(name, True, test()))
        except CheckFailed as failure:
            checks.append(Check(name, False, str(failure)))
            raise

    with suppress(CheckFailed):
        steps(check)
    return checks


def require(condition: bool, failure: str) -> None:
    """Fail the running check with `failure` unless `condition` holds."""
    if not condition:
        raise CheckFailed(failure)
