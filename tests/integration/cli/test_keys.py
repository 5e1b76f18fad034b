"""Keys people are willing to use: `polyphony key new` makes an encrypted keystore (Web3 Secret Storage), every
command that signs takes it with `--keystore`, a raw hex key still works with a warning when its file is open to
others, and no key or passphrase ever shows in output or in the stack's logs. The commands run as the installed
executable against the API process `polyphony up` runs."""

import json
import re
import stat
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from cli.client import PolyphonyClient
from cli.keys import load_wallet
from cli.main import app
from polyphony.settings import Settings
from tests.integration.cli.test_contribute import (
    api_url,  # noqa: F401 (the API process these tests use)
    contribute,
    contribution_id,
    polyphony,
)

PASSPHRASE = "correct horse battery staple 7f3a"
PASSWORD_VARIABLE = "POLYPHONY_KEYSTORE_PASSWORD"
ON_THE_API = pytest.mark.usefixtures("api_url")


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    """A small JSONL file no other test uploads."""
    path = tmp_path / "keys.jsonl"
    path.write_text(f'{{"text": "Signed with a key kept safe."}}\n{{"text": "{tmp_path.name}"}}\n')
    return path


def new_keystore(tmp_path: Path, passphrase: str = PASSPHRASE) -> tuple[Path, str]:
    """`polyphony key new` with the passphrase from the environment: the file and the one line it printed."""
    out = tmp_path / "wallet.json"
    made = polyphony("key", "new", "--out", str(out), **{PASSWORD_VARIABLE: passphrase})
    assert made.returncode == 0, made.stdout + made.stderr
    return out, made.stdout.strip()


def test_key_new_writes_a_private_keystore_and_prints_only_its_address(tmp_path: Path) -> None:
    keystore, printed = new_keystore(tmp_path)
    assert re.fullmatch(r"0x[0-9a-fA-F]{40}", printed), printed
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600
    encrypted = json.loads(keystore.read_text())
    key = Account.decrypt(encrypted, PASSPHRASE)  # what geth, cast wallet and eth-account read
    assert Account.from_key(key).address == printed
    assert bytes(key).hex() not in keystore.read_text() and PASSPHRASE not in keystore.read_text()

    again = polyphony("key", "new", "--out", str(keystore), **{PASSWORD_VARIABLE: PASSPHRASE})
    assert again.returncode == 2 and "exists already" in again.stdout
    assert json.loads(keystore.read_text()) == encrypted  # never overwritten


def test_key_new_reads_the_passphrase_from_a_file(tmp_path: Path) -> None:
    password_file = tmp_path / "passphrase.txt"
    password_file.write_text(PASSPHRASE + "\n")
    made = polyphony("key", "new", "--out", str(tmp_path / "w.json"), "--password-file", str(password_file))
    assert made.returncode == 0, made.stdout + made.stderr
    key = Account.decrypt(json.loads((tmp_path / "w.json").read_text()), PASSPHRASE)
    assert Account.from_key(key).address == made.stdout.strip()


@ON_THE_API
def test_a_contributor_signs_with_a_keystore_and_nothing_secret_shows_anywhere(
    upload: Path, tmp_path: Path, settings: Settings
) -> None:
    keystore, address = new_keystore(tmp_path)
    key_hex = bytes(Account.decrypt(json.loads(keystore.read_text()), PASSPHRASE)).hex()
    password_file = tmp_path / "passphrase.txt"
    password_file.write_text(PASSPHRASE + "\n")

    signed = contribute(upload, "--keystore", str(keystore), "--password-file", str(password_file))
    number = contribution_id(signed)
    shown = polyphony("status", str(number))
    assert shown.returncode == 0 and "claimed" in shown.stdout

    wrong = contribute(upload, "--keystore", str(keystore), **{PASSWORD_VARIABLE: "not the passphrase"})
    assert wrong.returncode == 2 and "wrong passphrase for the keystore" in wrong.stdout
    assert wrong.stdout.strip().count("\n") == 0 and "Traceback" not in wrong.stdout + wrong.stderr
    both = contribute(upload, "--keystore", str(keystore), "--key-file", str(password_file))
    assert both.returncode == 2 and "not both" in both.stdout
    not_json = contribute(upload, "--keystore", str(password_file))
    assert not_json.returncode == 2 and "is not a keystore" in not_json.stdout and PASSPHRASE not in not_json.stdout

    said = "".join(run.stdout + run.stderr for run in (signed, shown, wrong, both, not_json))
    logs = "".join(path.read_text(errors="replace") for path in (settings.home / "logs").glob("*.log"))
    for secret in (PASSPHRASE, key_hex, "0x" + key_hex):
        assert secret not in said and secret not in logs
    with PolyphonyClient(settings.effective_public_url) as client:
        assert client.contribution(number)["contributor"] == address  # signed by the keystore's wallet


@ON_THE_API
def test_a_raw_key_file_still_works_and_warns_when_others_may_read_it(upload: Path, tmp_path: Path) -> None:
    account = Account.create()
    key_file = tmp_path / "raw.key"
    key_file.write_text("0x" + bytes(account.key).hex() + "\n")
    key_file.chmod(0o644)
    opened = contribute(upload, "--key-file", str(key_file))
    assert contribution_id(opened)
    assert "other users may read it (mode 644)" in opened.stderr and f"chmod 600 {key_file}" in opened.stderr
    assert bytes(account.key).hex() not in opened.stdout + opened.stderr

    key_file.chmod(0o600)
    private = contribute(upload, "--key-file", str(key_file))
    assert contribution_id(private) and "warning" not in private.stderr


def test_without_a_password_file_the_passphrase_is_asked_for_hidden_and_twice_for_a_new_key(tmp_path: Path) -> None:
    out = tmp_path / "asked.json"
    asked = CliRunner().invoke(app, ["key", "new", "--out", str(out)], input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert asked.exit_code == 0, asked.output
    assert "Passphrase for" in asked.output and "Repeat for confirmation" in asked.output
    assert PASSPHRASE not in asked.output  # hidden as it is typed
    address = asked.output.strip().splitlines()[-1]
    assert Account.from_key(Account.decrypt(json.loads(out.read_text()), PASSPHRASE)).address == address

    nothing = CliRunner().invoke(app, ["key", "new", "--out", str(tmp_path / "none.json")], input="")
    assert nothing.exit_code == 2 and "--password-file" in nothing.output and not (tmp_path / "none.json").exists()


def test_a_keystore_made_elsewhere_with_pbkdf2_loads_as_its_wallet(tmp_path: Path) -> None:
    account = Account.create()
    keystore = tmp_path / "geth-style.json"
    keystore.write_text(json.dumps(Account.encrypt(account.key, PASSPHRASE, kdf="pbkdf2", iterations=2**12)))
    password_file = tmp_path / "passphrase.txt"
    password_file.write_text(PASSPHRASE + "\r\n")  # written on another system: the line ending is not part of it
    assert load_wallet(None, keystore, password_file).address == account.address
