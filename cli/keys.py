"""Where a command gets the wallet it signs with, and `polyphony key new`: the one home of signing keys in the CLI.

A wallet comes from an encrypted JSON keystore (Web3 Secret Storage, as geth, Foundry's `cast wallet` and
eth-account write it: `--keystore FILE`, its passphrase from `--password-file FILE`, $POLYPHONY_KEYSTORE_PASSWORD
or a hidden prompt), from a raw hex key file (`--key-file FILE`, with a warning when others may read it), or from
$POLYPHONY_CONTRIBUTOR_KEY. No key and no passphrase is ever printed: an error says where a secret came from and
what shape it must have, never what it was.
"""

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console

from cli.command import CommandFailed, console, one_line_errors
from polyphony.settings import get_settings

KEY_VARIABLE = "POLYPHONY_CONTRIBUTOR_KEY"
PASSWORD_VARIABLE = "POLYPHONY_KEYSTORE_PASSWORD"  # noqa: S105 (the variable's name, not a password)
# Group and other permission bits: a key file with any of them set is open to other users of the machine.
_OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO

KeyOption = Annotated[
    Path | None,
    typer.Option("--key-file", help=f"A file holding your raw private key (hex); else ${KEY_VARIABLE}."),
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        "--keystore", help="Your wallet as an encrypted JSON keystore (geth, cast wallet); asks for its passphrase."
    ),
]
PasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--password-file", help=f"The keystore's passphrase in a file; else ${PASSWORD_VARIABLE}, else asked."
    ),
]

# Warnings go to stderr, so a script reading stdout (an address, an id) reads only what it asked for.
_warnings = Console(stderr=True, soft_wrap=True)

key_app = typer.Typer(help="Wallet keys: make an encrypted keystore.", no_args_is_help=True)


def load_wallet(key_file: Path | None, keystore: Path | None = None, password_file: Path | None = None) -> LocalAccount:
    """The wallet of `keystore` (decrypted), else of the raw hex `key_file`, else of $POLYPHONY_CONTRIBUTOR_KEY.

    Positional, unlike the house habit: every command passes its three options in this order, and the calls fit
    the `with` line that opens the command's client."""
    if keystore is not None and key_file is not None:
        raise CommandFailed("give one key: --keystore FILE or --key-file FILE, not both")
    if keystore is not None:
        return _from_keystore(keystore, password_file=password_file)
    if key_file is not None:
        _warn_if_open(key_file)
        return _from_hex(key_file.read_text(errors="replace"), source=str(key_file))
    if os.environ.get(KEY_VARIABLE):
        return _from_hex(os.environ[KEY_VARIABLE], source=f"${KEY_VARIABLE}")
    raise CommandFailed(
        f"no key: pass --keystore FILE (an encrypted keystore; `polyphony key new --out FILE` makes one), "
        f"--key-file FILE (a raw hex key) or set {KEY_VARIABLE}"
    )


def _from_hex(secret: str, *, source: str) -> LocalAccount:
    try:
        account: LocalAccount = Account.from_key(secret.strip())
    except ValueError:
        raise CommandFailed(
            f"the key in {source} is not a private key: write it as 64 hex digits, 0x optional"
        ) from None
    return account


def _warn_if_open(key_file: Path) -> None:
    mode = key_file.stat().st_mode
    if mode & _OPEN_TO_OTHERS:
        _warnings.print(
            f"[yellow]warning:[/] {key_file} holds a raw private key and other users may read it (mode "
            f"{stat.S_IMODE(mode):03o}): `chmod 600 {key_file}`, or keep it encrypted with --keystore"
        )


def _from_keystore(keystore: Path, *, password_file: Path | None) -> LocalAccount:
    encrypted = _read_keystore(keystore)
    passphrase = _passphrase(password_file, prompt=f"Passphrase of {keystore}", confirm=False)
    try:
        key = Account.decrypt(encrypted, passphrase)
    except ValueError as error:
        # eth-account says "MAC mismatch" for a wrong passphrase; anything else is a keystore it cannot read.
        if "MAC mismatch" in str(error):
            raise CommandFailed(f"wrong passphrase for the keystore {keystore}") from None
        raise CommandFailed(f"{keystore} is not a keystore this command can read ({error})") from None
    account: LocalAccount = Account.from_key(key)
    return account


def _read_keystore(keystore: Path) -> dict[str, Any]:
    try:
        encrypted = json.loads(keystore.read_text(errors="replace"))
    except json.JSONDecodeError:
        raise CommandFailed(
            f"{keystore} is not a keystore: expected Web3 Secret Storage JSON (for a raw hex key, use --key-file)"
        ) from None
    if not isinstance(encrypted, dict) or not isinstance(encrypted.get("crypto", encrypted.get("Crypto")), dict):
        raise CommandFailed(f"{keystore} is JSON but not a keystore: it has no 'crypto' section")
    return encrypted


def _passphrase(password_file: Path | None, *, prompt: str, confirm: bool) -> str:
    """The passphrase from `password_file`, else $POLYPHONY_KEYSTORE_PASSWORD, else asked for (hidden)."""
    if password_file is not None:
        passphrase = password_file.read_text(errors="replace").rstrip("\r\n")
    elif (configured := get_settings().polyphony_keystore_password) is not None:
        passphrase = configured.get_secret_value()
    else:
        passphrase = _ask(prompt, confirm=confirm)
    if not passphrase:
        raise CommandFailed("the keystore passphrase is empty: a keystore needs one")
    return passphrase


def _ask(prompt: str, *, confirm: bool) -> str:
    try:
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))
    except typer.Abort:  # no terminal to ask on, or Ctrl-C / Ctrl-D at the prompt
        raise CommandFailed(
            f"no passphrase given: pass --password-file FILE or set {PASSWORD_VARIABLE}, or answer the prompt"
        ) from None


@key_app.command("new")
def new(
    out: Annotated[Path, typer.Option("--out", help="Write the encrypted keystore here (a new file, mode 0600).")],
    password_file: PasswordFileOption = None,
) -> None:
    """Make a new wallet as an encrypted JSON keystore (Web3 Secret Storage) and print only its address."""
    with one_line_errors():
        if out.exists():
            raise CommandFailed(f"{out} exists already: a new key never overwrites a file")
        passphrase = _passphrase(password_file, prompt=f"Passphrase for {out}", confirm=True)
        account = Account.create()
        _write_private(out, json.dumps(Account.encrypt(account.key, passphrase)))
    console.print(account.address, highlight=False)


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: created here, readable by this user only from its first byte.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
