"""`verify epoch`'s check of an epoch's inputs against the scores: verdict and score, and under formula /2 the
documents each score read and kept, as read from the score's report."""

import json

from governance.rewards.documents import PaidDocuments, paid_documents
from governance.rewards.formula import FORMULA_V1, Corpus, RewardInput
from governance.rewards.report import EpochInputs, compute
from governance.rewards.verify import ScoredAs, check_epoch
from polyphony.storage.unixfs import cid_of

ALICE = "0x" + "a1" * 20
PAID = PaidDocuments(records=5, kept_records=4, kept_words=300)


def _report(version: str | None = None) -> bytes:
    documents = {"records": 5, "kept_records": 4, "kept_words": 300}
    item = RewardInput(
        contribution_id=7, contributor=ALICE, verdict="pass", score=6_000, size=2_048, duplicate_of=None,
        language="en", modality="text", policy_hash="0x" + "00" * 32, **documents,
    )  # fmt: skip
    extra = {"formula_version": version} if version else {}
    inputs = EpochInputs(
        number=1, cutoff="2026-01-01T00:00:00+00:00", budget=1_000, contributor_cap=1_000, chain_id=31337,
        distributor="0x" + "d4" * 20, token="0x" + "e5" * 20, corpus=Corpus.of([]), items=[item], base={}, **extra,
    )  # fmt: skip
    return compute(inputs).report


def _scores_check(report: bytes, now: ScoredAs) -> tuple[bool, str]:
    checks = check_epoch(report=report, report_cid=cid_of(report), previous=None, proposed=None,
                         scores=lambda _cid: now)  # fmt: skip
    found = next(check for check in checks if check.name == "inputs match the scores")
    return found.ok, found.detail


def test_the_inputs_match_scores_that_read_and_kept_the_same_documents() -> None:
    assert _scores_check(_report(), ScoredAs("pass", 6_000, PAID)) == (True, "1 contributions")


def test_a_score_that_now_keeps_other_documents_is_named() -> None:
    ok, detail = _scores_check(_report(), ScoredAs("pass", 6_000, PaidDocuments(5, 3, 250)))
    assert not ok
    assert "kept_records is 4 in the report, 3 in the scores" in detail and "kept_words is 300" in detail


def test_a_formula_1_report_compares_only_verdict_and_score() -> None:
    assert _scores_check(_report(FORMULA_V1), ScoredAs("pass", 6_000, None))[0]
    assert not _scores_check(_report(FORMULA_V1), ScoredAs("pass", 5_000, None))[0]


def test_paid_documents_read_a_score_report_and_a_fail_keeps_and_pays_nothing() -> None:
    documents = {"count": 5, "kept": 4, "words": 320, "kept_words": 300, "dropped": {"gopher:repetition": [2]}}
    report = json.dumps({"documents": documents})
    assert paid_documents(report, verdict="pass") == PAID
    assert paid_documents(report, verdict="fail") == PaidDocuments(records=5, kept_records=0, kept_words=0)
    assert paid_documents(json.dumps({"score": 1}), verdict="pass") is None
    assert paid_documents(None, verdict="pass") is None
