"""`polyphony epoch close`, `polyphony verify epoch` and `polyphony claim` as an operator and a contributor
run them: the installed executable, against the API process, the workers and anvil."""

import os
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
from web3 import Web3

from chain.bindings import Deployment
from cli.stack import Stack, api_part
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution
from polyphony.models.epoch import EpochStatus
from polyphony.settings import Settings
from polyphony.tokens import format_tokens
from tests.integration.rewards.conftest import make_score, new_address, scored, scored_upload, wait_for_status
from tests.support.scored_uploads import JUNK, jsonl, pipeline_score, prose

POLYPHONY = str(Path(sys.executable).parent / "polyphony")


@pytest.fixture(scope="module")
def api_url(settings: Settings, rewards_api_ready: None) -> Iterator[str]:
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield settings.effective_public_url
    api.stop_all()


@pytest.fixture(scope="module")
def rewards_api_ready(
    engine: Any, deployment: Deployment, redis_url: str, celery_worker: None, chain_celery_worker: None
) -> None:
    """What the API process and the commands need running."""


def polyphony(*arguments: str, key: LocalAccount | None = None) -> subprocess.CompletedProcess[str]:
    env = {"POLYPHONY_CONTRIBUTOR_KEY": "0x" + bytes(key.key).hex()} if key else {}
    return subprocess.run([POLYPHONY, *arguments], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})  # fmt: skip


def test_close_verify_and_claim_from_the_command_line(
    api_url: str, activate: Any, rewards_stack: Deployment, web3: Web3
) -> None:
    relayed: LocalAccount = Account.create()
    yourself: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [yourself.address, hex(10**18)])  # type: ignore[arg-type]
    scored(relayed.address)
    scored(yourself.address)

    closed = polyphony("epoch", "close")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    number = int(closed.stdout.split("epoch ", 1)[1].split(":", 1)[0])
    activate(number)

    verified = polyphony("verify", "epoch", str(number), "--api", api_url)
    assert verified.returncode == 0, verified.stdout
    assert "byte-identical" in verified.stdout
    assert "review inputs" in verified.stdout and "reviews anchored" in verified.stdout, verified.stdout

    token = rewards_stack.bind(web3, "token")
    claimed = polyphony("claim", "--api", api_url, key=relayed)
    assert claimed.returncode == 0 and "mined" in claimed.stdout, claimed.stdout
    assert token.functions.balanceOf(relayed.address).call() > 0
    again = polyphony("claim", "--api", api_url, key=relayed)
    assert again.returncode == 2 and "nothing to claim" in again.stdout

    self_paid = polyphony("claim", "--self", "--api", api_url, key=yourself)
    assert self_paid.returncode == 0, self_paid.stdout
    assert token.functions.balanceOf(yourself.address).call() > 0
    assert web3.eth.get_balance(yourself.address) < 10**18  # it paid its own gas


def test_a_reward_on_its_way_is_shown_in_tokens_with_when_a_claim_pays_it(
    api_url: str, activate: Any, rewards_stack: Deployment, web3: Web3
) -> None:
    earner: LocalAccount = Account.create()
    scored(earner.address)
    closed = polyphony("epoch", "close")
    assert closed.returncode == 0 and " PLY allocated" in closed.stdout, closed.stdout + closed.stderr
    delay = int(rewards_stack.bind(web3, "rewardsDistributor").functions.challengeDelay().call())
    assert f"after the challenge delay, {delay} s; claim after that" in closed.stdout
    number = int(closed.stdout.split("epoch ", 1)[1].split(":", 1)[0])
    wait_for_status(number, EpochStatus.PROPOSED)

    standing = httpx.get(f"{api_url}/rewards/{earner.address}").json()
    pending = int(standing["pending"])
    activates_at = int(rewards_stack.bind(web3, "rewardsDistributor").functions.pending().call()[3])
    assert pending > 0 and standing["cumulative"] == "0" and standing["claimable"] == "0"
    assert (standing["pending_epoch"], standing["claimable_at"]) == (number, activates_at)
    shown = polyphony("rewards", earner.address, "--api", api_url)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"pending    {format_tokens(pending)} from epoch {number}, claimable from" in shown.stdout
    for refused in (polyphony("claim", "--api", api_url, key=earner),
                    polyphony("claim", "--self", "--api", api_url, key=earner)):  # fmt: skip
        assert refused.returncode == 2 and "nothing to claim yet" in refused.stdout, refused.stdout
        assert f"{format_tokens(pending)} from epoch {number}" in refused.stdout

    activate(number)
    paid = httpx.get(f"{api_url}/rewards/{earner.address}").json()
    assert (paid["claimable"], paid["pending"], paid["pending_epoch"], paid["claimable_at"]) == (
        str(pending),
        "0",
        None,
        None,
    )
    assert f"claimable  {format_tokens(pending)}" in polyphony("rewards", earner.address, "--api", api_url).stdout
    claimed = polyphony("claim", "--api", api_url, key=earner)
    assert claimed.returncode == 0 and f"{format_tokens(pending)}, mined" in claimed.stdout, claimed.stdout
    malformed = polyphony("rewards", "0x1234", "--api", api_url)
    assert malformed.returncode == 2 and "invalid_address" in malformed.stdout
    assert len(malformed.stdout.strip().splitlines()) == 1


def test_verify_epoch_checks_the_documents_each_input_lists_against_the_scores(
    api_url: str, activate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one table row per check, however long its detail
    good = prose(6, start=8)
    padded = scored_upload(new_address(), jsonl([*good[:3], JUNK, *good[3:]]))
    closed = polyphony("epoch", "close")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    number = int(closed.stdout.split("epoch ", 1)[1].split(":", 1)[0])
    activate(number)
    verified = polyphony("verify", "epoch", str(number), "--api", api_url)
    assert verified.returncode == 0 and "inputs match the scores" in verified.stdout, verified.stdout

    with session_scope() as session:  # scored again since, under a later policy that reads one more record
        rescored = pipeline_score(jsonl([*good[:3], JUNK, JUNK, *good[3:]])) | {"policy_hash": "0x" + "22" * 32}
        make_score(session, session.get_one(Contribution, padded), **rescored, scored_at=utcnow())
    refused = polyphony("verify", "epoch", str(number), "--api", api_url)
    assert refused.returncode == 1, refused.stdout
    found = refused.stdout
    assert f"contribution {padded}: " in found and "records is 7 in the report, 8 in the scores" in found, found
    assert "byte-identical" in refused.stdout  # what was paid recomputes as it was pinned


def test_bad_command_line_input_is_one_line_and_exit_2(api_url: str) -> None:
    missing = polyphony("verify", "epoch", "999999", "--api", api_url)
    assert missing.returncode == 2 and "no epoch 999999" in missing.stdout
    no_key = polyphony("claim", "--api", api_url)
    assert no_key.returncode == 2 and "no key" in no_key.stdout
    malformed = polyphony("claim", "--account", "0x1234", "--api", api_url)
    assert malformed.returncode == 2 and "not an Ethereum address" in malformed.stdout
