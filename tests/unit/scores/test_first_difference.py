"""Naming the first difference between a recomputed report and a stored one, and the anchoring order."""

from typing import Any

import pytest

from chain.verify.score import first_difference
from polyphony.scores.index import anchoring_position

REPORT: dict[str, Any] = {
    "score": 7000,
    "dimensions": {"language": {"value": 9900, "reason": "en"}, "pii": {"value": 0}},
}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (REPORT, None),
        ({**REPORT, "score": 9000}, "score: expected 7000, got 9000"),
        (
            {**REPORT, "dimensions": {**REPORT["dimensions"], "language": {"value": 1, "reason": "en"}}},
            "dimension 'language' value: expected 9900, got 1",
        ),
        ({**REPORT, "dimensions": {"language": REPORT["dimensions"]["language"]}}, "dimension 'pii': expected"),
    ],
)
def test_the_first_difference_names_the_dimension(stored: dict, expected: str | None) -> None:  # type: ignore[type-arg]
    found = first_difference(REPORT, stored)
    assert found == expected if expected is None else found is not None and found.startswith(expected)


def test_anchoring_order_is_batch_first_then_leaf_order() -> None:
    assert anchoring_position(batch_id=1, contribution_id=900) < anchoring_position(batch_id=2, contribution_id=3)
    assert anchoring_position(batch_id=2, contribution_id=3) < anchoring_position(batch_id=2, contribution_id=4)
    assert anchoring_position(batch_id=2**20, contribution_id=2**32 - 1) < 2**53  # exact as a Redis score
