"""`polyphony contribute` and `polyphony status` as a contributor runs them: the real executable against the
API process `polyphony up` runs, with Redis, anvil, the deployed contracts and a worker behind it; and the CLI's
client against a stand-in server, for what a real one never does (offer a claim over other bytes)."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from sqlalchemy.engine import Engine

from chain.bindings import Deployment
from cli.client import ClientError, PolyphonyClient
from cli.keys import KEY_VARIABLE
from cli.stack import Stack, api_part
from polyphony.settings import Settings

POLYPHONY = str(Path(sys.executable).parent / "polyphony")
CONSENT = "I agree that this data may train community models."


@pytest.fixture(scope="module")
def api_url(
    settings: Settings, redis_url: str, engine: Engine, deployment: Deployment, celery_worker: None
) -> Iterator[str]:
    """The API process alone, with everything it needs running, stopped when this module is done."""
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield settings.effective_public_url
    api.stop_all()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A small JSONL file no other test uploads."""
    path = tmp_path / "voices.jsonl"
    path.write_text(f'{{"text": "Polyphony keeps many voices."}}\n{{"text": "{tmp_path.name}"}}\n')
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A fresh wallet's private key in a file, as a contributor keeps it."""
    account: LocalAccount = Account.create()
    path = tmp_path / "contributor.key"
    path.write_text("0x" + bytes(account.key).hex() + "\n")
    path.chmod(0o600)
    return path


def polyphony(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `polyphony` executable as a contributor's shell would; how it finished."""
    return subprocess.run(
        [POLYPHONY, *arguments], env={**os.environ, "COLUMNS": "200", **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def contribute(path: Path, *options: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`polyphony contribute` of `path` with a title, license, modality and consent, plus `options`."""
    metadata = ("--title", "Many voices", "--license", "cc-by-4.0", "--modality", "text", "--consent", CONSENT)
    return polyphony("contribute", str(path), *metadata, *options, **env)


def contribution_id(finished: subprocess.CompletedProcess[str]) -> int:
    """The id `polyphony contribute` printed, once it succeeded."""
    assert finished.returncode == 0, finished.stdout + finished.stderr
    found = re.search(r"^contribution (\d+): claimed", finished.stdout, re.MULTILINE)
    assert found, finished.stdout
    return int(found.group(1))


def test_contribute_prints_the_id_and_cid_and_leaves_the_contribution_claimed(
    api_url: str, dataset: Path, key_file: Path
) -> None:
    finished = contribute(dataset, "--key-file", str(key_file), "--language", "en")
    number = contribution_id(finished)
    with PolyphonyClient(api_url) as client:
        stored = client.contribution(number)
    assert stored["status"] == "claimed"
    assert stored["contributor"] == Account.from_key(key_file.read_text().strip()).address
    assert f"cid     {stored['cid']}" in finished.stdout
    assert f"sha256  {stored['sha256']}" in finished.stdout


def test_running_it_again_gives_the_same_contribution(api_url: str, dataset: Path, key_file: Path) -> None:
    first = contribution_id(contribute(dataset, "--key-file", str(key_file)))
    key = key_file.read_text().strip()
    again = contribute(dataset, **{KEY_VARIABLE: key})  # the key from the environment this time
    assert contribution_id(again) == first
    assert "uploaded before" in again.stdout


def test_status_prints_the_timeline(api_url: str, dataset: Path, key_file: Path) -> None:
    number = contribution_id(contribute(dataset, "--key-file", str(key_file)))
    shown = polyphony("status", str(number), "--api", api_url)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"contribution {number}: claimed" in shown.stdout
    steps = re.findall(r"^│ (\w+) +│ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)", shown.stdout, re.MULTILINE)
    assert [step for step, _ in steps] == ["uploaded", "stored", "claimed"], shown.stdout


def _fails_with_one_line(finished: subprocess.CompletedProcess[str], *expected: str) -> None:
    said = (finished.stdout + finished.stderr).strip()
    assert finished.returncode == 2, said
    assert said.count("\n") == 0 and "Traceback" not in said, said
    assert said.startswith("polyphony: ")
    for words in expected:
        assert words in said, said


def test_a_missing_file_is_one_line(api_url: str, tmp_path: Path, key_file: Path) -> None:
    _fails_with_one_line(contribute(tmp_path / "absent.jsonl", "--key-file", str(key_file)), "no file at")


def test_a_bad_key_is_one_line_that_does_not_echo_it(api_url: str, dataset: Path, tmp_path: Path) -> None:
    secret = "not-a-key-" + "5" * 30
    finished = contribute(dataset, **{KEY_VARIABLE: secret})
    _fails_with_one_line(finished, KEY_VARIABLE, "64 hex digits")
    assert secret not in finished.stdout


def test_no_key_at_all_says_where_to_put_one(api_url: str, dataset: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != KEY_VARIABLE}
    finished = subprocess.run(
        [POLYPHONY, "contribute", str(dataset), "--title", "t", "--license", "MIT", "--modality", "text",
         "--consent", CONSENT], env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    _fails_with_one_line(finished, "--key-file", KEY_VARIABLE)


def test_an_unknown_license_is_one_line_with_suggestions(api_url: str, dataset: Path, key_file: Path) -> None:
    finished = contribute(dataset, "--key-file", str(key_file), "--license", "CC-BY-4")
    _fails_with_one_line(finished, "unknown_license", "CC-BY-4.0")


def test_a_file_the_api_refuses_is_one_line_with_its_code(api_url: str, tmp_path: Path, key_file: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "fine"}\nthis line is not JSON\n')
    _fails_with_one_line(contribute(broken, "--key-file", str(key_file)), "not_jsonl", "Line 2")


def test_signing_in_for_another_chain_than_the_apis_is_one_line_naming_it(
    api_url: str, dataset: Path, key_file: Path
) -> None:
    finished = contribute(dataset, "--key-file", str(key_file), "--chain-id", "8453")
    _fails_with_one_line(finished, "siwe_wrong_chain", "31337")


def test_an_unreachable_api_is_one_line(dataset: Path, key_file: Path) -> None:
    finished = contribute(dataset, "--key-file", str(key_file), "--api", "http://127.0.0.1:9")
    _fails_with_one_line(finished, "cannot reach http://127.0.0.1:9", "polyphony up")


def test_the_status_of_an_unknown_contribution_is_one_line(api_url: str) -> None:
    _fails_with_one_line(polyphony("status", "999999"), "contribution_not_found")


def _offering(typed: dict[str, Any], posted: list[httpx.Request]) -> httpx.Client:
    """An HTTP client whose server offers `typed` to sign and records what is posted to it."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posted.append(request)
        return httpx.Response(200, json=typed)

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("change", "wrong"),
    [
        ({"primaryType": "Permit"}, "Permit"),
        ({"message": {"contentSha256": "0x" + "ee" * 32}}, "contentSha256"),
        ({"message": {"consentHash": "0x" + "ee" * 32}}, "consentHash"),
    ],
)
def test_the_client_signs_no_claim_but_one_over_what_it_sent(change: dict[str, Any], wrong: str) -> None:
    account: LocalAccount = Account.create()
    sha256, consent_sha256 = "aa" * 32, "bb" * 32
    message = {"contributor": account.address, "contentSha256": "0x" + sha256, "consentHash": "0x" + consent_sha256}
    typed = {"primaryType": "ContributionClaim", "message": message}
    typed |= {key: value if key != "message" else message | value for key, value in change.items()}
    posted: list[httpx.Request] = []
    http = _offering(typed, posted)
    with PolyphonyClient("http://127.0.0.1:9", account, http=http) as client, pytest.raises(ClientError) as refused:
        client.claim(1, sha256=sha256, consent_sha256=consent_sha256)
    assert refused.value.code == "claim_mismatch" and wrong in refused.value.message
    assert posted == []


def test_an_upload_streams_the_file_with_its_length_and_reports_each_read(tmp_path: Path) -> None:
    content = b'{"n": 1}\n' * 40_000  # 360 kB: several of httpx's 64 KiB reads
    path = tmp_path / "many.jsonl"
    path.write_bytes(content)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()  # the server side of the stream: consume it as the API does
        seen.append(request)
        return httpx.Response(201, json={"id": 1})

    http = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://127.0.0.1:9")
    positions: list[int] = []
    with PolyphonyClient("http://127.0.0.1:9", Account.create(), http=http) as client:
        uploaded = client.upload(path, form={"title": "t"}, idempotency_key="k", on_read=positions.append)
    assert uploaded.created and uploaded.contribution == {"id": 1}
    [request] = seen
    assert int(request.headers["content-length"]) > len(content)  # a length, not chunked: the API checks it first
    assert request.headers["idempotency-key"] == "k" and content in request.content
    assert len(positions) > 2 and positions == sorted(positions) and positions[-1] == len(content)
