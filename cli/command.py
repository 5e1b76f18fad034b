"""What every command shares: the options, one-line errors, progress bars, the table of checks.

Exit codes, the same for every command: 0 done; 1 something was verified and refused (a check failed, a claim
was refused); 2 anything else (arguments, key, file, an unreachable or refusing API or node), said in one line.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError
from web3 import Web3

from chain.verify.checks import Check
from cli.client import ClientError
from polyphony.errors import PolyphonyError
from polyphony.settings import get_settings

EXIT_REFUSED = 1
EXIT_FAILED = 2

# soft_wrap: an error is one line, whatever the terminal's width.
console = Console(soft_wrap=True)

ApiOption = Annotated[
    str | None, typer.Option("--api", help="The API's base URL; default: POLYPHONY_PUBLIC_URL, else the local API.")
]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="A chain node's JSON-RPC URL; default: CHAIN_RPC_URL.")]
SafeOption = Annotated[
    str | None,
    typer.Option(
        "--safe",
        help="Act as this Safe (ERC-1271), signing with the key as its owner: for a Safe whose threshold is 1.",
    ),
]


def safe_address(safe: str | None) -> str | None:
    """The checksum address of the Safe given with --safe, if one was."""
    if safe is None:
        return None
    if not Web3.is_address(safe):
        raise CommandFailed(f"--safe {safe!r} is not an address (0x and 40 hex digits)")
    return str(Web3.to_checksum_address(safe))


class CommandFailed(Exception):
    """A failure to report as one line, with its exit code."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def check_offer(typed: dict[str, Any], primary_type: str, expected: dict[str, Any]) -> None:
    """Refuse typed data the API offers unless it is a `primary_type` whose message has the `expected` values."""
    # Signing whatever a server offers could sign away something else (a token Permit, say): check it first.
    if typed.get("primaryType") != primary_type:
        raise CommandFailed(f"the API offers {typed.get('primaryType')!r} typed data, not a {primary_type}: not signed")
    message = typed.get("message", {})
    for name, value in expected.items():
        if str(message.get(name, "")).lower() != str(value).lower():
            raise CommandFailed(f"the {primary_type} the API offers has {name} {message.get(name)!r}, not {value!r}")


def api_url(api: str | None) -> str:
    """The API's base URL: the one given, else the configured public URL."""
    return (api or get_settings().effective_public_url).rstrip("/")


def transfer_progress() -> Progress:
    """A progress bar of bytes, shown only on a terminal."""
    # In a pipe or a log, the bar would be noise around the one line that matters.
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=console, disable=not console.is_terminal,
    )  # fmt: skip


def report_checks(checks: list[Check], *, title: str) -> None:
    """Print each check as a row; exit 1 if one failed."""
    table = Table("check", "", "what was found", title=title)
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_REFUSED)


def explain(error: ClientError) -> str:
    """An API error in words, with its code; an unreachable API with what to do about it."""
    if error.code == "unreachable":
        return f"{error.message}: is the API running? Start it with `polyphony up`, or pass --api URL"
    return f"{error.message} ({error.code})"


@contextmanager
def one_line_errors(*, refused: tuple[type[PolyphonyError], ...] = ()) -> Iterator[None]:
    """Turn an expected failure into one red line and its exit code, never a traceback.

    The `refused` errors report a verification that failed: they exit 1, every other failure 2.
    """
    try:
        yield
    except CommandFailed as failed:
        fail(failed.message, exit_code=failed.exit_code)
    except ClientError as error:
        fail(explain(error))
    except PolyphonyError as error:
        fail(f"{error.message} ({error.code})", exit_code=EXIT_REFUSED if isinstance(error, refused) else EXIT_FAILED)
    except httpx.HTTPError as error:
        fail(f"the API could not be read: {type(error).__name__}")
    except OperationalError as error:
        fail(f"cannot use the database: {str(error.orig).strip().splitlines()[0]}")
    except OSError as error:
        fail(f"{error.filename}: {error.strerror}" if error.filename else str(error))


def fail(message: str, *, exit_code: int = EXIT_FAILED) -> NoReturn:
    """Print `message` as the one red line and exit with `exit_code`."""
    console.print(f"[red]polyphony:[/] {escape(message)}")
    raise typer.Exit(exit_code)
