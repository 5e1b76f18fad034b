"""Policy v2 through the real workers: each document of an upload kept or dropped with its reason, the score
scaled by what is kept, an all-junk upload failing, and contributions scored under an earlier policy indexed
(not scored again) so copies of them are still caught."""

import base64
import json
import random
import time
from pathlib import Path

import pytest
from redis import Redis
from sqlmodel import select
from typer.testing import CliRunner

from cli.client import ClientError, PolyphonyClient
from cli.main import app as cli
from polyphony.db import session_scope
from polyphony.models.score import ContributionScore, Verdict
from polyphony.scores import flow, service
from polyphony.scores.index import ScoringIndex
from polyphony.scores.service import ScoreOutcome
from polyphony.scoring import current_policy
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.integration.scoring.conftest import SCORE_TIMEOUT_S, wait_for_verdict
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload

pytestmark = pytest.mark.usefixtures("chain_celery_worker", "scoring_celery_worker")

LICENSES = Path("/usr/share/common-licenses")
RNG = random.Random(11)


def paragraphs(name: str) -> list[str]:
    """Real prose nobody here wrote: the long paragraphs of a license shipped with the system, one line each."""
    text = (LICENSES / name).read_text()
    return [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 40]


JUNK = [
    "Buy cheap watches online today! " * 40,
    base64.b64encode(RNG.randbytes(900)).decode(),
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt. " * 8,
]


def contribute(client: PolyphonyClient, content: bytes, name: str) -> int:
    stored = upload(client, content, name, language="en")
    claim(client, stored["id"])
    assert anchor_through_the_chain_worker() is not None
    return int(stored["id"])


def test_a_mixed_upload_keeps_its_good_records_and_names_why_each_junk_one_was_dropped(
    contributor: PolyphonyClient, api_url: str
) -> None:
    good = paragraphs("GPL-2")[:12]
    records = [*good[:4], JUNK[0], *good[4:8], JUNK[1], JUNK[2], *good[8:]]
    content = "".join(json.dumps({"text": record}) + "\n" for record in records).encode()
    contribution_id = contribute(contributor, content, "mixed.jsonl")

    shown = wait_for_verdict(contributor, contribution_id)
    dropped = contributor.call("GET", f"/contributions/{contribution_id}/records", params={"status": "dropped"})
    kept = contributor.call("GET", f"/contributions/{contribution_id}/records", params={"status": "kept"})

    assert shown["verdict"] == "pass" and (shown["records"], shown["kept_records"]) == (15, 12)
    assert [item["record"] for item in dropped["items"]] == [4, 9, 10] and all(i["reason"] for i in dropped["items"])
    assert kept["total"] == 12 and {item["status"] for item in kept["items"]} == {"kept"}
    share = shown["dimensions"]["documents"]
    assert share["reason"] == "some_dropped" and share["features"]["kept"] == 12 and share["value"] < 10_000
    assert shown["score"] <= share["value"]  # the kept share scales the score: the junk earns nothing

    verified = CliRunner().invoke(cli, ["verify", "score", str(contribution_id), "--api", api_url])
    assert verified.exit_code == 0, verified.output  # the per-document decisions recompute byte for byte


def test_an_all_junk_upload_fails_and_says_why(contributor: PolyphonyClient) -> None:
    contribution_id = contribute(contributor, ("Buy cheap watches online today!\n" * 500).encode(), "spam.txt")

    shown = wait_for_verdict(contributor, contribution_id)

    assert (shown["score"], shown["verdict"], shown["records"], shown["kept_records"]) == (0, "fail", 1, 0)
    assert "gopher_repetition:duplicate_lines" in shown["explanation"]
    [fate] = contributor.call("GET", f"/contributions/{contribution_id}/records")["items"]
    assert fate == {"record": 0, "status": "dropped", "reason": "gopher_repetition:duplicate_lines"}


def test_a_contribution_scored_under_an_earlier_policy_is_indexed_not_scored_again_and_its_copies_are_caught(
    contributor: PolyphonyClient, stranger: PolyphonyClient, settings: Settings, redis_url: str
) -> None:
    content = ("\n\n".join(paragraphs("LGPL-3")[:20]) + "\n").encode()
    earlier = contribute(contributor, content, "lgpl3-scored-under-v1.txt")
    _score_under_an_earlier_policy(earlier)
    redis = Redis.from_url(redis_url)
    _, phash = current_policy()
    index = ScoringIndex(redis, policy_hash=phash)
    redis.delete(index.prefix + "filled")  # as when a new policy first starts

    assert flow.fill_index(redis, storage=storage_from_settings(settings)) >= 1
    assert index.filled() and index.missing([earlier]) == []
    with session_scope() as session:
        assert earlier not in service.due(session, limit=10_000)

    copy = contribute(stranger, content, "my-lgpl3-notes.txt")
    shown = wait_for_verdict(stranger, copy)
    assert (shown["verdict"], shown["duplicate_of"]) == ("fail", earlier)


def test_a_contribution_scored_under_an_earlier_policy_after_the_fill_is_indexed_and_later_ones_do_not_wait_for_it(
    contributor: PolyphonyClient, stranger: PolyphonyClient, redis_url: str
) -> None:
    content = ("\n\n".join(paragraphs("GPL-1")[:20]) + "\n").encode()
    earlier = contribute(contributor, content, "gpl1-scored-by-an-old-worker.txt")
    redis = Redis.from_url(redis_url)
    index = ScoringIndex(redis, policy_hash=current_policy()[1])
    index.mark_filled()  # the new policy's fill ran, then a worker of the old one scored `earlier`
    _score_under_an_earlier_policy(earlier)

    copy = contribute(stranger, content, "my-gpl1-notes.txt")
    shown = wait_for_verdict(stranger, copy)

    assert (shown["verdict"], shown["duplicate_of"]) == ("fail", earlier)
    assert index.missing([earlier]) == []


def test_documents_copied_from_an_earlier_contribution_are_dropped_and_the_new_ones_paid(
    contributor: PolyphonyClient, stranger: PolyphonyClient, api_url: str
) -> None:
    texts = paragraphs("GFDL-1.2")
    earlier = contribute(contributor, jsonl(texts[:8]), "gfdl-part-one.jsonl")
    lightly_edited = one_word_in_twenty_changed(texts[4])
    records = [texts[10], texts[0], *texts[11:14], lightly_edited, *texts[14:17], texts[2], texts[17]]
    copier = contribute(stranger, jsonl(records), "gfdl-mine.jsonl")

    shown = wait_for_verdict(stranger, copier)
    dropped = stranger.call("GET", f"/contributions/{copier}/records", params={"status": "dropped"})["items"]

    reasons = {item["record"]: item["reason"] for item in dropped}
    assert reasons == {1: "copy_of_earlier", 9: "copy_of_earlier", 5: "near_copy_of_earlier"}
    assert (shown["verdict"], shown["kept_records"], shown["duplicate_of"]) == ("pass", 8, None)
    assert f"contribution {earlier}'s document 0" in shown["dimensions"]["near_duplicate"]["explanation"]
    verified = CliRunner().invoke(cli, ["verify", "score", str(copier), "--api", api_url], env={"COLUMNS": "200"})
    assert verified.exit_code == 0, verified.output
    assert "3 documents copy earlier contributions' documents" in verified.output


def test_the_upload_names_the_field_that_holds_each_records_text_and_verify_reads_it(
    contributor: PolyphonyClient, api_url: str
) -> None:
    texts = paragraphs("GFDL-1.2")[20:30]
    records = "".join(json.dumps({"body": text, "text": JUNK[0]}) + "\n" for text in texts).encode()
    stored = upload(contributor, records, "bodies.jsonl", language="en", text_field="body")
    claim(contributor, stored["id"])
    assert anchor_through_the_chain_worker() is not None

    shown = wait_for_verdict(contributor, stored["id"])

    assert (stored["text_field"], shown["verdict"], shown["kept_records"]) == ("body", "pass", len(texts))
    verified = CliRunner().invoke(cli, ["verify", "score", str(stored["id"]), "--api", api_url])
    assert verified.exit_code == 0, verified.output


def test_a_text_field_for_a_plain_text_file_is_refused_before_anything_is_kept(contributor: PolyphonyClient) -> None:
    with pytest.raises(ClientError) as refused:
        upload(contributor, b"Plain prose, one document.\n", "notes.txt", language="en", text_field="body")
    assert (refused.value.status, refused.value.code) == (400, "text_field_not_applicable")
    assert contributor.call("GET", "/contributions", params={"contributor": contributor.account.address})["total"] == 0


def jsonl(texts: list[str]) -> bytes:
    return "".join(json.dumps({"text": text}) + "\n" for text in texts).encode()


def one_word_in_twenty_changed(text: str) -> str:
    words = text.split()
    return " ".join("changed" if n % 20 == 7 else word for n, word in enumerate(words))


def _score_under_an_earlier_policy(contribution_id: int) -> None:
    outcome = ScoreOutcome(
        policy_hash="0x" + "11" * 32, score=9000, verdict=Verdict.PASS, dimensions={}, summary="scored earlier",
        report="{}", language="en", exact_of=None, near_of=None, near_similarity_bp=None, novelty_bp=None,
        scorer=None, attestation_signature=None, task_id=None,
    )  # fmt: skip
    with session_scope() as session:
        service.record_score(session, contribution_id, outcome=outcome)


def test_rescore_scores_again_under_the_current_policy_and_keeps_the_earlier_score(
    contributor: PolyphonyClient,
) -> None:
    content = ("\n\n".join(paragraphs("MPL-1.1")[:20]) + "\n").encode()
    earlier = contribute(contributor, content, "mpl11-scored-under-v1.txt")
    _score_under_an_earlier_policy(earlier)

    wrong = CliRunner().invoke(cli, ["rescore", "--policy", "v1"])
    unknown = CliRunner().invoke(cli, ["rescore", "--policy", current_policy()[0].version, "--id", "987654321"])
    sent = CliRunner().invoke(cli, ["rescore", "--policy", current_policy()[0].version, "--id", str(earlier)])

    assert wrong.exit_code == 2 and "not_current_policy" in wrong.output
    assert unknown.exit_code == 2 and "nothing_to_rescore" in unknown.output
    assert sent.exit_code == 0 and f"[{earlier}]" in sent.output
    deadline = time.monotonic() + SCORE_TIMEOUT_S
    while contributor.call("GET", f"/contributions/{earlier}")["policy_hash"] != current_policy()[1]:
        assert time.monotonic() < deadline, "the rescored contribution got no score under the current policy"
        time.sleep(1.0)
    with session_scope() as session:
        rows = session.exec(select(ContributionScore).where(ContributionScore.contribution_id == earlier))
        assert sorted(row.policy_hash for row in rows) == sorted([current_policy()[1], "0x" + "11" * 32])
