"""Assignment in the database: a sample whose contributor is one of only three eligible reviewers waits, and
the samples after it still get their reviewers."""

import os

from sqlmodel import Session, col, select

from governance.reviews.service import assign_waiting
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus
from polyphony.models.review import ReviewAssignment, ReviewSample
from tests.integration.rewards.conftest import make_contribution, new_address


def _sample(session: Session, contributor: str) -> ReviewSample:
    contribution = make_contribution(session, contributor=contributor)
    batch = AnchorBatch(status=BatchStatus.ANCHORED, kind=BatchKind.CLAIMS, root="0x" + os.urandom(32).hex(),
                        count=1, chain_id=31337, registry_address="0x" + "11" * 20)  # fmt: skip
    session.add(batch)
    session.flush()
    sample = ReviewSample(contribution_id=contribution.id or 0, record=0, words=10, contributor=contributor,
                          batch_id=batch.id or 0, seed="0x" + os.urandom(32).hex())  # fmt: skip
    session.add(sample)
    session.flush()
    return sample


def test_a_sample_that_must_wait_does_not_hold_up_the_ones_after_it(db_session: Session) -> None:
    alice, bob, carol, dave = (new_address() for _ in range(4))
    own = _sample(db_session, alice)  # alice is one of the three eligible: hers has only two others
    other = _sample(db_session, dave)
    assign_waiting(db_session, [alice, bob, carol])
    assigned = {
        sample_id: {row.reviewer for row in db_session.exec(select(ReviewAssignment).where(
            col(ReviewAssignment.sample_id) == sample_id))}
        for sample_id in (own.id, other.id)
    }  # fmt: skip
    assert assigned == {own.id: set(), other.id: {alice, bob, carol}}
