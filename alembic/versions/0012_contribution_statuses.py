"""contribution statuses: scored once its score is in, rewarded once an epoch pays it, withdrawn (was revoked)

The statuses are written out, not imported, so this migration keeps meaning what it meant. A contribution is
`scored` when it has a pass or fail score, `rewarded` when an epoch that was not revoked pays it more than
nothing; the timeline's `rewarded` steps of earlier epochs are not made up after the fact.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE contribution SET status = 'withdrawn' WHERE status = 'revoked'")
    op.execute(
        "UPDATE contribution SET status = 'scored' WHERE status = 'anchored' AND id IN "
        "(SELECT contribution_id FROM contribution_score WHERE verdict IN ('pass', 'fail'))"
    )
    op.execute(
        "UPDATE contribution SET status = 'rewarded' WHERE status = 'scored' AND id IN "
        "(SELECT epoch_reward.contribution_id FROM epoch_reward JOIN epoch ON epoch.id = epoch_reward.epoch_id "
        "WHERE epoch.status != 'revoked' AND epoch_reward.amount != '0')"
    )


def downgrade() -> None:
    op.execute("UPDATE contribution SET status = 'anchored' WHERE status IN ('scored', 'rewarded')")
    op.execute("UPDATE contribution SET status = 'revoked' WHERE status = 'withdrawn'")
