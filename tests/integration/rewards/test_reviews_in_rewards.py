"""What review does to pay, through the epoch close, its pinned report and its recomputation: filler that
reviewers reject costs its contributor credibility and pay from the next epoch, and a reviewer who accepts
everything earns less of the reviewers' share than the careful ones. Scores and reviews are factory rows here
(the signed path through the API is tests/integration/reviews)."""

import json
from typing import Any

from governance.reviews.credibility import REVIEW_PARAMS
from governance.rewards.formula import FORMULA_V3
from governance.rewards.report import compute, cumulative_of, inputs_from_report
from polyphony.db import session_scope
from polyphony.models.review import Review
from polyphony.settings import Settings
from tests.integration.rewards.conftest import BUDGET, decided_sample, new_address, pinned_report, scored


def _decided(contribution_id: int, contributor: str, verdicts: dict[str, bool]) -> None:
    """Contribution `contribution_id`'s document 0 sampled, reviewed (reviewer -> accepts) and decided now."""
    with session_scope() as session:
        sample = decided_sample(session, contribution_id, contributor, accepts=sum(verdicts.values()),
                                reviews=len(verdicts))  # fmt: skip
        for reviewer, accept in verdicts.items():
            session.add(Review(sample_id=sample.id or 0, reviewer=reviewer, accept=accept,
                               reason="" if accept else "machine-generated", deadline=0, signature="0x00"))  # fmt: skip


def _report(settings: Settings, number: int) -> dict[str, Any]:
    return json.loads(pinned_report(settings, number))  # type: ignore[no-any-return]


def _recomputed(settings: Settings, report: dict[str, Any]) -> bytes:
    """The report's bytes as the formula gives them from its own inputs, on the amounts paid before it."""
    previous = report.get("previous")
    base = cumulative_of(_report(settings, int(previous["epoch"]))) if previous else {}
    return compute(inputs_from_report(report, base=base)).report


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
    assert _recomputed(settings, report) == pinned_report(settings, report["epoch"])  # anyone can re-derive the pay

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
