"""`polyphony review` as a reviewer runs it: the real executable against the real API process, with the worker
sampling and assigning, beside two reviewers who use the API; each refusal is one line and exit 2. A 1-of-1 Safe
reviews the same way, with its owner's key and `--safe`."""

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from web3 import Web3

from chain.bindings import Deployment, call_of
from tests.integration.chain.governance_fixtures import mint_tokens, new_wallet
from tests.integration.chain.safe_fixtures import SafeContracts, new_safe
from tests.integration.cli.test_contribute import polyphony
from tests.integration.datasets.conftest import Contributed
from tests.integration.reviews.reviewers import (
    REVIEWER_TOKENS,
    as_,
    holder,
    review_others_until,
    reviewer,
    sampled,
    signed,
    signed_in,
    step_down_every_reviewer,
)
from tests.support.scored_uploads import jsonl, prose


@pytest.fixture
def no_reviewers(engine: Engine) -> None:
    step_down_every_reviewer(engine)


def _key_file(tmp_path: Path, wallet: LocalAccount) -> str:
    path = tmp_path / "reviewer.key"
    path.write_text("0x" + bytes(wallet.key).hex() + "\n")
    path.chmod(0o600)
    return str(path)


def _one_line_refusal(finished: subprocess.CompletedProcess[str], says: str) -> None:
    assert finished.returncode == 2, finished.stdout
    assert says in finished.stdout and len(finished.stdout.strip().splitlines()) == 1, finished.stdout


def test_a_reviewer_opts_in_sees_the_next_document_and_rejects_it_from_the_terminal(
    contribute: Callable[..., Contributed], api_url: str, web3: Web3, deployment: Deployment,
    celery_worker: None, no_reviewers: None, tmp_path: Path,
) -> None:  # fmt: skip
    contributed = contribute([jsonl(prose(4, start=36))], by_the_pipeline=True)
    ours = contributed.ids[0]
    wallet = holder(web3, deployment)
    key = ("--key-file", _key_file(tmp_path, wallet), "--api", api_url)

    not_yet = polyphony("review", "next", *key)
    _one_line_refusal(not_yet, "has not opted in to review: run `polyphony review opt-in`")
    opted_in = polyphony("review", "opt-in", *key)
    assert opted_in.returncode == 0 and f"{wallet.address} reviews from now on" in opted_in.stdout, opted_in.stdout
    waiting = polyphony("review", "next", *key)
    assert waiting.returncode == 0 and "nothing is assigned to you" in waiting.stdout, waiting.stdout

    (first, first_client), (second, second_client) = (reviewer(api_url, web3, deployment) for _ in range(2))
    samples = sampled(api_url, web3, ours)
    sample_ids = {sample["sample_id"] for sample in samples}
    assert samples and all(sample["outcome"] == "pending" for sample in samples), samples
    review_others_until(signed_in(api_url, wallet), wallet, sample_ids)
    forms = {
        w.address: review_others_until(c, w, sample_ids)["typed_data"]
        for w, c in ((first, first_client), (second, second_client))
    }

    shown = polyphony("review", "next", *key)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    found = re.search(r"^sample (\d+): document (\d+) of contribution (\d+)", shown.stdout, re.MULTILINE)
    assert found, shown.stdout
    sample_id = int(found.group(1))
    assert sample_id in sample_ids and int(found.group(3)) == ours
    assert prose(4, start=36)[int(found.group(2))] in shown.stdout  # the document's own text
    assert f"polyphony review reject {sample_id} --reason REASON (spam, machine-generated" in shown.stdout

    _one_line_refusal(polyphony("review", "reject", str(sample_id), "--reason", "rude", *key), "give one of spam")
    _one_line_refusal(polyphony("review", "reject", str(sample_id), *key), "no --reason")
    _one_line_refusal(polyphony("review", "accept", "1/../2", *key), "is not a sample id")
    _one_line_refusal(polyphony("review", "accept", str(sample_id + 10**6), *key), "is not the next one")

    accepted = as_(first_client, "POST", "/reviews", json=signed(first, forms[first.address], accept=True, reason=""))
    assert accepted.status_code == 201 and accepted.json()["outcome"] == "pending", accepted.text
    rejected = polyphony("review", "reject", str(sample_id), "--reason", "copied", *key)
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    assert f"rejected (copied) sample {sample_id}: it waits for its other reviewers" in rejected.stdout
    _one_line_refusal(polyphony("review", "accept", str(sample_id), *key), "is not waiting for your review")
    decided = as_(
        second_client, "POST", "/reviews", json=signed(second, forms[second.address], accept=False, reason="spam")
    )
    assert decided.status_code == 201 and decided.json()["outcome"] == "rejected", decided.text

    item = next(s for s in httpx.get(f"{api_url}/contributions/{ours}/reviews").json()["items"]
                if s["sample_id"] == sample_id)  # fmt: skip
    assert item["outcome"] == "rejected"
    mine = [review for review in item["reviews"] if review["reviewer"] == wallet.address]
    assert [(review["accept"], review["reason"]) for review in mine] == [(False, "copied")]

    opted_out = polyphony("review", "opt-out", *key)
    assert opted_out.returncode == 0 and "gets no new documents" in opted_out.stdout, opted_out.stdout
    _one_line_refusal(polyphony("review", "next", *key), "has not opted in to review")


def test_a_1_of_1_safe_opts_in_and_reviews_from_the_terminal_with_its_owners_key(
    contribute: Callable[..., Contributed], api_url: str, web3: Web3, deployment: Deployment,
    celery_worker: None, no_reviewers: None, safe_contracts: SafeContracts, tmp_path: Path,
) -> None:  # fmt: skip
    owner = new_wallet(web3)
    safe = new_safe(web3, safe_contracts, [owner], 1, sender=new_wallet(web3))
    mint_tokens(web3, deployment, safe.address, REVIEWER_TOKENS)
    safe.execute(call_of(deployment.bind(web3, "token"), "delegate", safe.address), sender=new_wallet(web3))
    as_safe = ("--safe", safe.address, "--key-file", _key_file(tmp_path, owner), "--api", api_url)

    opted_in = polyphony("review", "opt-in", *as_safe)
    assert opted_in.returncode == 0 and f"{safe.address} reviews from now on" in opted_in.stdout, opted_in.stdout
    ours = contribute([jsonl(prose(4, start=44))], by_the_pipeline=True).ids[0]
    for _ in range(2):
        reviewer(api_url, web3, deployment)
    sample_id = _next_of_ours_from_the_terminal(
        as_safe, {sample["sample_id"] for sample in sampled(api_url, web3, ours)}
    )
    rejected = polyphony("review", "reject", str(sample_id), "--reason", "spam", *as_safe)

    assert rejected.returncode == 0 and f"rejected (spam) sample {sample_id}" in rejected.stdout, rejected.stdout
    item = next(s for s in httpx.get(f"{api_url}/contributions/{ours}/reviews").json()["items"]
                if s["sample_id"] == sample_id)  # fmt: skip
    mine = [(review["accept"], review["reason"]) for review in item["reviews"] if review["reviewer"] == safe.address]
    assert mine == [(False, "spam")]  # the Safe is the reviewer, and its ERC-1271 signature was accepted
    _one_line_refusal(polyphony("review", "next", "--safe", "0x1234", *as_safe[2:]), "is not an address")


def _next_of_ours_from_the_terminal(as_safe: tuple[str, ...], ours: set[int]) -> int:
    """The sample id `review next` shows once it is one of `ours`: documents of other tests' batches assigned to
    this reviewer first are accepted from the terminal too (reviews go in assignment order)."""
    for _ in range(50):
        shown = polyphony("review", "next", *as_safe)
        found = re.search(r"^sample (\d+):", shown.stdout, re.MULTILINE)
        assert shown.returncode == 0 and found, shown.stdout + shown.stderr
        if int(found.group(1)) in ours:
            return int(found.group(1))
        accepted = polyphony("review", "accept", found.group(1), *as_safe)
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    raise AssertionError(f"none of the samples {sorted(ours)} came up for the Safe")
