"""`polyphony contribute` and `polyphony status`: a contributor's upload, its signed claim, and its timeline,
all through the API, as a contributor on any machine runs them.

Exit codes: 0 done; 1 the upload is stored but the API refused its claim, so a script can tell "kept, not
claimed" from "nothing happened"; 2 anything else (arguments, key, file, an unreachable or refusing API). Run
again, the command finds the same contribution (same bytes, same Idempotency-Key) and claims it if it is not.
"""

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cli.client import ClientError, PolyphonyClient, Uploaded
from polyphony.contributions.formats import declared_format
from polyphony.contributions.licenses import check_license
from polyphony.errors import PolyphonyError
from polyphony.settings import EMBEDDED_CHAIN_ID, get_settings

KEY_VARIABLE = "POLYPHONY_CONTRIBUTOR_KEY"
EXIT_CLAIM_REFUSED = 1
EXIT_FAILED = 2
HASH_CHUNK = 1 << 20

console = Console(soft_wrap=True)

ApiOption = Annotated[
    str | None, typer.Option("--api", help="The API's base URL; default: POLYPHONY_PUBLIC_URL, else the local API.")
]


class CommandFailed(Exception):
    """A failure to report as one line, with its exit code."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def contribute(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The dataset: .jsonl, .csv, .parquet, .txt, .md, .png or .jpg.")
    ],
    title: Annotated[str, typer.Option(help="A short title.")],
    license_id: Annotated[str, typer.Option("--license", help="The SPDX license id you grant, e.g. CC-BY-4.0.")],
    modality: Annotated[str, typer.Option(help="text, tabular or image.")],
    description: Annotated[str, typer.Option(help="What the data is and where it comes from.")] = "",
    language: Annotated[str, typer.Option(help="Its language tag (en, pt-BR), if it has one.")] = "",
    consent: Annotated[str | None, typer.Option(help="Your consent text.")] = None,
    consent_file: Annotated[Path | None, typer.Option(help="A UTF-8 file holding your consent text.")] = None,
    key_file: Annotated[
        Path | None, typer.Option(help=f"Your wallet's private key (hex); else ${KEY_VARIABLE}.")
    ] = None,
    api: ApiOption = None,
    chain_id: Annotated[
        int, typer.Option("--chain-id", help="The chain the API runs on (you sign in for it); default: anvil's.")
    ] = EMBEDDED_CHAIN_ID,
) -> None:
    """Upload FILE, sign its claim with your key, and print its contribution id, CID and status.

    Exit code 1: the upload is stored but the API refused its claim; 2: any other error. Safe to run again.
    """
    with _one_line_errors():
        _require_file(file)
        account = _contributor_key(key_file)
        consent_text = _consent(consent, consent_file)
        form = _form(
            file,
            title=title,
            license_id=license_id,
            modality=modality,
            description=description,
            language=language,
            consent=consent_text,
        )
        with _progress() as progress, PolyphonyClient(_api(api), account, chain_id=chain_id) as client:
            sha256 = _sha256(file, progress)
            client.sign_in()
            uploaded = _upload(client, file, form=form, sha256=sha256, progress=progress)
            contribution = _claimed(client, uploaded.contribution, sha256=sha256, consent=consent_text)
    _show_contributed(contribution, created=uploaded.created)


def status(
    contribution_id: Annotated[int, typer.Argument(metavar="ID", help="The contribution's id.")],
    api: ApiOption = None,
) -> None:
    """Print a contribution's status and its timeline: each step, when, its transaction and its reason."""
    with _one_line_errors(), PolyphonyClient(_api(api)) as client:
        contribution = client.contribution(contribution_id)
    console.print(f"contribution {contribution['id']}: [bold]{escape(contribution['status'])}[/]")
    console.print(f"  cid     {contribution['cid']}\n  sha256  {contribution['sha256']}")
    table = Table("step", title="timeline")
    table.add_column("time", no_wrap=True)
    table.add_column("tx hash", overflow="fold")  # a narrow terminal folds a hash; never cut it short
    table.add_column("reason")
    for step in contribution["timeline"]:
        table.add_row(
            escape(step["step"]), _when(step["at"]), step.get("tx_hash") or "", escape(step.get("reason") or "")
        )
    console.print(table)


def _api(api: str | None) -> str:
    return api or get_settings().effective_public_url


def _require_file(file: Path) -> None:
    if not file.is_file():
        raise CommandFailed(f"no file at {file}: check the path" if not file.exists() else f"{file} is not a file")


def _contributor_key(key_file: Path | None) -> LocalAccount:
    if key_file is not None:
        source, secret = str(key_file), key_file.read_text(errors="replace")
    elif os.environ.get(KEY_VARIABLE):
        source, secret = f"${KEY_VARIABLE}", os.environ[KEY_VARIABLE]
    else:
        raise CommandFailed(f"no contributor key: pass --key-file FILE (your private key, hex) or set {KEY_VARIABLE}")
    try:
        account: LocalAccount = Account.from_key(secret.strip())
    except ValueError:
        # Never echo the secret itself: say where it came from and what shape it must have.
        raise CommandFailed(
            f"the key in {source} is not a private key: write it as 64 hex digits, 0x optional"
        ) from None
    return account


def _consent(consent: str | None, consent_file: Path | None) -> str:
    if (consent is None) == (consent_file is None):
        raise CommandFailed("give your consent with --consent TEXT or --consent-file FILE (one of the two)")
    if consent_file is not None:
        try:
            consent = consent_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandFailed(f"the consent file {consent_file} is not UTF-8 text") from None
    assert consent is not None
    # The API keeps the hash of the trimmed text, so the claim's consent hash is computed over the same bytes.
    return consent.strip()


def _form(
    file: Path, *, title: str, license_id: str, modality: str, description: str, language: str, consent: str
) -> dict[str, str]:
    """The upload's metadata; what can be checked here is, so a mistake costs no upload."""
    declared_format(file.name, modality=modality)
    return {
        "title": title, "description": description, "license": check_license(license_id), "modality": modality,
        "language": language, "consent": consent,
    }  # fmt: skip


def _progress() -> Progress:
    # Only on a terminal: in a pipe or a log, the bar would be noise around the one line that matters.
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=console, disable=not console.is_terminal,
    )  # fmt: skip


def _sha256(file: Path, progress: Progress) -> str:
    size = file.stat().st_size
    hashing = progress.add_task("sha256", total=size)
    digest = hashlib.sha256()
    with file.open("rb") as content:
        while chunk := content.read(HASH_CHUNK):
            digest.update(chunk)
            progress.advance(hashing, len(chunk))
    return digest.hexdigest()


def _upload(client: PolyphonyClient, file: Path, *, form: dict[str, str], sha256: str, progress: Progress) -> Uploaded:
    size = file.stat().st_size
    sending = progress.add_task("upload", total=size)

    def sent(position: int) -> None:
        progress.update(sending, completed=position)
        if position >= size:
            progress.update(sending, description="the API checks and stores it")

    # Keyed by the content, so a retried command (or a retried request) finds the contribution it made.
    return client.upload(file, form=form, idempotency_key=f"sha256:{sha256}", on_read=sent)


def _claimed(client: PolyphonyClient, contribution: dict[str, Any], *, sha256: str, consent: str) -> dict[str, Any]:
    if contribution["status"] != "stored":
        return contribution  # claimed by an earlier run of this command, or further along since
    consent_sha256 = hashlib.sha256(consent.encode()).hexdigest()
    try:
        return client.claim(contribution["id"], sha256=sha256, consent_sha256=consent_sha256)
    except ClientError as error:
        stored = f"contribution {contribution['id']} is stored"
        if error.status is not None:
            raise CommandFailed(
                f"{stored}, but the API refused its claim: {_explain(error)}", exit_code=EXIT_CLAIM_REFUSED
            ) from None
        retry = "; run the same command again to claim it" if error.code == "unreachable" else ""
        raise CommandFailed(f"{stored} but not claimed: {_explain(error)}{retry}") from None


def _show_contributed(contribution: dict[str, Any], *, created: bool) -> None:
    again = "" if created else " (these bytes were uploaded before: the same contribution)"
    console.print(f"contribution {contribution['id']}: [bold]{escape(contribution['status'])}[/]{again}")
    console.print(f"  cid     {contribution['cid']}\n  sha256  {contribution['sha256']}")
    console.print(f"follow it with: polyphony status {contribution['id']}")


def _when(at: str) -> str:
    moment = datetime.fromisoformat(at)
    # The API keeps every time in UTC, and sends some without an offset.
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def _explain(error: ClientError) -> str:
    if error.code == "unreachable":
        return f"{error.message}: is the API running? Start it with `polyphony up`, or pass --api URL"
    return f"{error.message} ({error.code})"


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Turn an expected failure into one red line and its exit code, never a traceback."""
    try:
        yield
    except CommandFailed as failed:
        _fail(failed.message, failed.exit_code)
    except ClientError as error:
        _fail(_explain(error), EXIT_FAILED)
    except PolyphonyError as error:
        _fail(f"{error.message} ({error.code})", EXIT_FAILED)
    except OSError as error:
        _fail(f"cannot read {error.filename}: {error.strerror}", EXIT_FAILED)


def _fail(message: str, exit_code: int) -> NoReturn:
    console.print(f"[red]polyphony:[/] {escape(message)}")
    raise typer.Exit(exit_code)
