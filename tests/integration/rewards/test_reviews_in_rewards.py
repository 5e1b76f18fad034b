"""What review does to pay, through the epoch close, its pinned report and its recomputation: filler that
reviewers reject costs its contributor credibility and pay from the next epoch, and a reviewer who accepts
everything earns less of the reviewers' share than the careful ones. Scores and reviews are factory rows here
(the signed path through the API is tests/integration/reviews)."""

import json
import os
from typing import Any

from sqlmodel import select

from governance.reviews.credibility import REVIEW_PARAMS
from governance.rewards.formula import FORMULA_V3
from governance.rewards.report import compute, inputs_from_report
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus
from polyphony.models.epoch import Epoch
from polyphony.models.review import Review, ReviewSample, SampleOutcome
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.integration.rewards.conftest import BUDGET, new_address, scored


def _decided(contribution_id: int, contributor: str, verdicts: dict[str, bool]) -> None:
    """Contribution `contribution_id`'s document 0 sampled, reviewed (reviewer -> accepts) and decided now."""
    accepts = sum(verdicts.values())
    outcome = SampleOutcome.ACCEPTED if accepts * 2 > len(verdicts) else SampleOutcome.REJECTED
    with session_scope() as session:
        batch = AnchorBatch(status=BatchStatus.ANCHORED, kind=BatchKind.CLAIMS, root="0x" + os.urandom(32).hex(),
                            count=1, chain_id=31337, registry_address="0x" + "11" * 20)  # fmt: skip
        session.add(batch)
        session.flush()
        sample = ReviewSample(
            contribution_id=contribution_id, record=0, words=100, contributor=contributor, batch_id=batch.id or 0,
            seed="0x" + "00" * 32, outcome=outcome, decided_at=utcnow(),
        )  # fmt: skip
        session.add(sample)
        session.flush()
        for reviewer, accept in verdicts.items():
            session.add(Review(sample_id=sample.id or 0, reviewer=reviewer, accept=accept,
                               reason="" if accept else "machine-generated", deadline=0, signature="0x00"))  # fmt: skip


def _report(settings: Settings, number: int) -> dict[str, Any]:
    with session_scope() as session:
        cid = session.exec(select(Epoch.report_cid).where(Epoch.number == number)).one()
    return json.loads(b"".join(storage_from_settings(settings).cat(cid)))  # type: ignore[no-any-return]


def _paid(report: dict[str, Any]) -> dict[str, int]:
    return {entry["account"]: int(entry["amount"]) for entry in report["contributors"]}


def test_rejected_filler_costs_credibility_and_pay_and_an_always_accepting_reviewer_earns_less(
    close: Any, activate: Any, settings: Settings
) -> None:
    farmer, honest = new_address(), new_address()
    careful, also_careful, careless = new_address(), new_address(), new_address()
    filler, prose = scored(farmer, score=8_000), scored(honest, score=8_000)
    unsampled_filler = scored(farmer, score=8_000)
    _decided(filler, farmer, {careful: False, also_careful: False, careless: True})
    _decided(prose, honest, {careful: True, also_careful: True, careless: True})

    first = close()
    assert first is not None and first.formula_version == FORMULA_V3
    activate(first.number)
    report = _report(settings, first.number)
    # The rejected document leaves at once, and the rejection halves the farmer's credibility from this epoch on:
    # their unsampled filler earns a quarter of what the same upload of the honest contributor earns.
    assert {"contribution_id": filler, "reason": "review_rejected"} in report["excluded"]
    listed = {entry["contribution_id"]: entry for entry in report["contributions"]}
    assert (listed[unsampled_filler]["credibility_bps"], listed[prose]["credibility_bps"]) == (5_000, 10_000)
    assert abs(_paid(report)[farmer] * 4 - _paid(report)[honest]) <= 4 and _paid(report)[farmer] > 0
    reviewers = {entry["account"]: entry for entry in report["reviewers"]}
    assert set(reviewers) >= {careful, also_careful, careless}, report["reviewers"]  # with earlier tests' ones
    assert {r: (reviewers[r]["reviews"], reviewers[r]["agreed"]) for r in (careful, careless)} == {
        careful: (2, 2),
        careless: (2, 1),
    }
    assert 0 < int(reviewers[careless]["amount"]) < int(reviewers[careful]["amount"])
    share = BUDGET * REVIEW_PARAMS.reviewer_share_bps // 10_000
    assert sum(int(entry["amount"]) for entry in report["reviewers"]) == share
    assert compute(inputs_from_report(report, base={})).report  # recomputes (byte equality: the verify tests)

    # Credibility stays where the reviews left it: the next epoch pays the farmer's next upload a quarter too.
    more_filler, more_prose = scored(farmer, score=8_000), scored(honest, score=8_000)
    second = close()
    assert second is not None
    report = _report(settings, second.number)
    listed = {entry["contribution_id"]: entry for entry in report["contributions"]}
    assert (listed[more_filler]["credibility_bps"], listed[more_prose]["credibility_bps"]) == (5_000, 10_000)
    assert listed[more_filler]["terms"]["credibility_multiplier_bps"] == 2_500
    paid = _paid(report)
    assert abs(paid[farmer] * 4 - paid[honest]) <= 4  # a quarter of the same upload's pay, to the unit
    assert report["reviewers"] == []  # nobody reviewed in this epoch: the reviewers' share stays unallocated
    assert int(report["unallocated"]) == share
    activate(second.number)  # settled, so the next test's epoch can close
