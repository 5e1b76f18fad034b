"""Scoring through the real API, Redis, storage, anvil and the scoring and chain workers: every claimed contribution
gets one score with its reasons, copies by other addresses are caught in anchoring order, a storage failure is a
retried no-verdict, and `polyphony verify score` reproduces the score or names the tampered dimension."""

import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select
from typer.testing import CliRunner

from api.main import create_app
from cli.client import ClientError, PolyphonyClient
from cli.main import app as cli
from cli.stack import scoring_worker_part
from polyphony.db import session_scope
from polyphony.models.score import ContributionScore
from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage.kubo import KuboStorage
from tests.integration.scoring.conftest import score_due, wait_for_verdict
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload

pytestmark = pytest.mark.usefixtures("chain_celery_worker", "scoring_celery_worker")

LICENSES = Path("/usr/share/common-licenses")


def text_of(name: str, *, paragraphs: int = 30) -> bytes:
    """Real prose nobody here wrote: the first paragraphs of a license text shipped with the system."""
    kept = [p.strip() for p in (LICENSES / name).read_text().split("\n\n") if len(p.split()) > 8]
    return ("\n\n".join(kept[:paragraphs]) + "\n").encode()


def near_copy(content: bytes) -> bytes:
    """The same text with one word in a hundred changed: a light edit, as a copier would make."""
    words = content.decode().split(" ")
    return " ".join("altered" if i % 100 == 7 else word for i, word in enumerate(words)).encode()


def contribute(client: PolyphonyClient, content: bytes, name: str) -> int:
    stored = upload(client, content, name, language="en")
    claim(client, stored["id"])
    return int(stored["id"])


def test_a_claimed_contribution_gets_one_score_with_each_dimension_explained(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    contribution_id = contribute(contributor, text_of("GPL-3"), "gpl3.txt")
    assert anchor_through_the_chain_worker() is not None

    shown = wait_for_verdict(contributor, contribution_id)

    assert 0 <= shown["score"] <= 10_000 and shown["verdict"] in ("pass", "fail")
    assert shown["status"] == "scored"  # its score is in: no longer merely anchored
    assert shown["explanation"] and shown["policy_hash"].startswith("0x") and shown["duplicate_of"] is None
    assert {"exact_duplicate", "near_duplicate", "language"} <= set(shown["dimensions"])
    assert all(dimension["explanation"] for dimension in shown["dimensions"].values())
    assert shown["dimensions"]["exact_duplicate"]["reason"] == "original"
    assert shown["dimensions"]["semantic_novelty"]["advisory"] is True
    [scored] = [step for step in shown["timeline"] if step["step"] == "scored"]
    assert scored["details"]["policy_hash"] == shown["policy_hash"] and scored["details"]["task_id"]

    again = get_celery().send_task("scoring.score_contribution", kwargs={"contribution_id": contribution_id})
    assert again.get(timeout=120) is None  # already scored under this policy: nothing happens
    with session_scope() as session:
        rows = session.exec(select(ContributionScore).where(ContributionScore.contribution_id == contribution_id))
        assert len(list(rows)) == 1
    steps = [step["step"] for step in contributor.call("GET", f"/contributions/{contribution_id}")["timeline"]]
    assert steps.count("scored") == 1
    # The novelty model was loaded and used by now: its library draws no progress bar into the worker's log.
    worker_log = (settings.home / "logs" / f"{scoring_worker_part(settings).name}.log").read_text(errors="replace")
    assert not re.search(r"\| *\d+/\d+ \[\d", worker_log), "a progress bar (e.g. 'Batches: 100%|##| 1/1 [00:02<')"


def test_copies_uploaded_by_another_address_are_caught_whichever_worker_runs_first(
    contributor: PolyphonyClient, stranger: PolyphonyClient
) -> None:
    original_bytes = text_of("Apache-2.0")
    original = contribute(contributor, original_bytes, "apache.txt")
    exact = contribute(stranger, original_bytes, "same.txt")
    near = contribute(stranger, near_copy(original_bytes), "edited.txt")
    assert anchor_through_the_chain_worker() is not None  # one batch, leaf order = upload order

    # The copies are sent first: each waits until the original, earlier in anchoring order, is indexed.
    for contribution_id in (near, exact, original):
        get_celery().send_task("scoring.score_contribution", kwargs={"contribution_id": contribution_id})

    first = wait_for_verdict(contributor, original)
    exact_shown, near_shown = wait_for_verdict(stranger, exact), wait_for_verdict(stranger, near)
    assert first["duplicate_of"] is None and first["dimensions"]["near_duplicate"]["reason"] == "no_copies"
    assert exact_shown["duplicate_of"] == original and exact_shown["verdict"] == "fail" and exact_shown["score"] == 0
    assert exact_shown["dimensions"]["exact_duplicate"]["reason"] == "exact_copy"
    # A plain-text file is one document: its near copy is dropped, so nothing is kept and the upload fails.
    assert (near_shown["verdict"], near_shown["score"], near_shown["kept_records"]) == ("fail", 0, 0)
    assert near_shown["dimensions"]["exact_duplicate"]["reason"] == "original"
    assert near_shown["dimensions"]["documents"]["reason"] == "too_little_kept"
    assert near_shown["dimensions"]["near_duplicate"]["reason"] == "copies_dropped"
    assert f"contribution {original}'s document 0" in near_shown["dimensions"]["near_duplicate"]["explanation"]


def test_a_storage_failure_is_a_retried_no_verdict_never_a_low_score(
    contributor: PolyphonyClient, settings: Settings
) -> None:
    contribution_id = contribute(contributor, text_of("MPL-2.0"), "mpl.txt")
    assert anchor_through_the_chain_worker() is not None
    cid = contributor.call("GET", f"/contributions/{contribution_id}")["cid"]
    bring_back = _lose_bytes(settings, cid)
    try:
        shown = wait_for_verdict(contributor, contribution_id, final=False)
        assert shown["verdict"] == "no-verdict" and shown["score"] is None
        assert "Not scored yet" in shown["explanation"]
        assert "scoring_deferred" in [step["step"] for step in shown["timeline"]]
    finally:
        bring_back()

    shown = wait_for_verdict(contributor, contribution_id)
    assert shown["verdict"] in ("pass", "fail") and shown["score"] is not None


def _lose_bytes(settings: Settings, cid: str) -> Callable[[], object]:
    """Make the configured store lose `cid`'s bytes; the function that brings them back."""
    if settings.ipfs_api_url:
        node = KuboStorage(settings.ipfs_api_url)
        content = b"".join(node.cat(cid))
        node.unpin(cid)
        httpx.post(f"{settings.ipfs_api_url}/api/v0/repo/gc", timeout=120).raise_for_status()
        return lambda: node.add(io.BytesIO(content))
    [block] = [path for path in settings.home.rglob(cid) if path.parent.parent.name == "blocks"]
    hidden = block.with_name(block.name + ".away")
    shutil.move(block, hidden)
    return lambda: shutil.move(hidden, block)


def test_verify_score_reproduces_the_score_and_names_a_tampered_dimension(
    contributor: PolyphonyClient, api_url: str
) -> None:
    contribution_id = contribute(contributor, text_of("LGPL-2.1"), "lgpl.txt")
    assert anchor_through_the_chain_worker() is not None
    wait_for_verdict(contributor, contribution_id)
    assert get_celery().send_task("scoring.register_policy").get(timeout=120) > 0

    result = CliRunner().invoke(cli, ["verify", "score", str(contribution_id), "--api", api_url])
    assert result.exit_code == 0, result.output
    assert "report byte-identical" in result.output
    from_storage = ["verify", "score", str(contribution_id), "--api", api_url, "--from-storage"]
    assert CliRunner().invoke(cli, from_storage).exit_code == 0

    _tamper(contribution_id, lambda report: report["dimensions"]["language"].update(value=1))
    result = CliRunner().invoke(cli, ["verify", "score", str(contribution_id), "--api", api_url])
    assert result.exit_code == 1, result.output
    assert "dimension 'language' value" in result.output


def test_a_score_is_404_with_a_stable_code_until_there_is_one(contributor: PolyphonyClient, api_url: str) -> None:
    with pytest.raises(ClientError) as unknown:
        contributor.call("GET", "/contributions/987654321/score")
    assert (unknown.value.status, unknown.value.code) == (404, "contribution_not_found")
    fresh = upload(contributor, text_of("Artistic"), "artistic.txt")
    with pytest.raises(ClientError) as unscored:
        contributor.call("GET", f"/contributions/{fresh['id']}/score")
    assert (unscored.value.status, unscored.value.code) == (404, "score_not_found")
    assert contributor.call("GET", f"/contributions/{fresh['id']}")["verdict"] is None

    result = CliRunner().invoke(cli, ["verify", "score", "987654321", "--api", api_url])
    assert result.exit_code == 2 and "no contribution 987654321" in result.output


def test_metrics_show_each_scoring_stage_and_the_queue_depth(contributor: PolyphonyClient) -> None:
    contribution_id = contribute(contributor, text_of("GFDL-1.3"), "gfdl.txt")
    assert anchor_through_the_chain_worker() is not None
    wait_for_verdict(contributor, contribution_id)
    score_due()

    exposition = TestClient(create_app()).get("/metrics").text

    assert 'polyphony_scoring_queue_depth{queue="scoring"}' in exposition
    for stage in ("fetch", "analyse", "index", "finalise", "record"):
        assert f'polyphony_scoring_stage_seconds_count{{stage="{stage}"}}' in exposition
    assert 'polyphony_scoring_stage_failures_total{stage="fetch"}' in exposition


def _tamper(contribution_id: int, change: Any) -> None:
    with session_scope() as session:
        query = select(ContributionScore).where(ContributionScore.contribution_id == contribution_id)
        row = session.exec(query.order_by(col(ContributionScore.id))).one()
        report = json.loads(str(row.report))
        change(report)
        row.report = json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        session.add(row)
