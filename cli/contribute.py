"""`polyphony contribute` and `polyphony status`: a contributor's upload, its signed claim, and its timeline,
all through the API, as a contributor on any machine runs them.

Exit codes: 0 done; 1 the upload is stored but the API refused its claim, so a script can tell "kept, not
claimed" from "nothing happened"; 2 anything else (arguments, key, file, an unreachable or refusing API). Run
again, the command finds the same contribution (same bytes, same Idempotency-Key) and claims it if it is not.
"""

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from cli.client import ClientError, PolyphonyClient, Uploaded
from cli.command import (
    EXIT_REFUSED,
    ApiOption,
    CommandFailed,
    SafeOption,
    api_url,
    console,
    explain,
    one_line_errors,
    safe_address,
    transfer_progress,
)
from cli.keys import KeyOption, KeystoreOption, PasswordFileOption, load_wallet
from polyphony.contributions.licenses import check_license
from polyphony.formats.declared import declared_format, declared_text_field
from polyphony.settings import EMBEDDED_CHAIN_ID

HASH_CHUNK = 1 << 20


def contribute(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The dataset: .jsonl, .csv, .parquet, .txt, .md, .png or .jpg.")
    ],
    title: Annotated[str, typer.Option(help="A short title.")],
    license_id: Annotated[str, typer.Option("--license", help="The SPDX license id you grant, e.g. CC-BY-4.0.")],
    modality: Annotated[str, typer.Option(help="text, tabular or image.")],
    description: Annotated[str, typer.Option(help="What the data is and where it comes from.")] = "",
    language: Annotated[str, typer.Option(help="Its language tag (en, pt-BR), if it has one.")] = "",
    text_field: Annotated[
        str, typer.Option(help="The field of each JSONL, CSV or Parquet record that holds its text; default: 'text'.")
    ] = "",
    topic: Annotated[str, typer.Option(help="One of the topics governance keeps (`polyphony demand show`).")] = "",
    consent: Annotated[str | None, typer.Option(help="Your consent text.")] = None,
    consent_file: Annotated[Path | None, typer.Option(help="A UTF-8 file holding your consent text.")] = None,
    key_file: KeyOption = None,
    keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None,
    safe: SafeOption = None,
    api: ApiOption = None,
    chain_id: Annotated[
        int, typer.Option("--chain-id", help="The chain the API runs on (you sign in for it); default: anvil's.")
    ] = EMBEDDED_CHAIN_ID,
) -> None:
    """Upload FILE, sign its claim with your key, and print its contribution id, CID and status.

    Exit code 1: the upload is stored but the API refused its claim; 2: any other error. Safe to run again.
    """
    with one_line_errors():
        _require_file(file)
        account = load_wallet(key_file, keystore, password_file)
        consent_text = _consent(consent, consent_file)
        form = _form(
            file,
            title=title,
            license_id=license_id,
            modality=modality,
            description=description,
            language=language,
            text_field=text_field,
            topic=topic,
            consent=consent_text,
        )
        client = PolyphonyClient(api_url(api), account, chain_id=chain_id, safe=safe_address(safe))
        with transfer_progress() as progress, client:
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
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
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


def _require_file(file: Path) -> None:
    if not file.is_file():
        raise CommandFailed(f"no file at {file}: check the path" if not file.exists() else f"{file} is not a file")


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
    file: Path, *, title: str, license_id: str, modality: str, description: str, language: str, text_field: str,
    topic: str, consent: str,
) -> dict[str, str]:  # fmt: skip
    """The upload's metadata; what can be checked here is, so a mistake costs no upload."""
    fmt = declared_format(file.name, modality=modality)
    form = {
        "title": title, "description": description, "license": check_license(license_id), "modality": modality,
        "language": language, "consent": consent,
    }  # fmt: skip
    if declared_text_field(text_field, fmt=fmt, modality=modality) is not None:
        form["text_field"] = text_field.strip()
    if topic.strip():
        form["topic"] = topic.strip()
    return form


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
                f"{stored}, but the API refused its claim: {explain(error)}", exit_code=EXIT_REFUSED
            ) from None
        retry = "; run the same command again to claim it" if error.code == "unreachable" else ""
        raise CommandFailed(f"{stored} but not claimed: {explain(error)}{retry}") from None


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
