"""task names: outbox rows carry the domain names tasks have now (chain.relay_claim -> rewards.relay_claim, ...)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must keep meaning what it meant when it was written.
RENAMED = {
    "chain.register_scoring_policy": "scoring.register_policy",
    "chain.propose_epoch_root": "rewards.propose_epoch_root",
    "chain.keep_epochs": "rewards.keep_epochs",
    "chain.relay_claim": "rewards.relay_claim",
    "chain.submit_proposal": "governance.submit_proposal",
    "chain.relay_ballot": "governance.relay_ballot",
    "chain.relay_delegation": "governance.relay_delegation",
    "chain.keep_proposals": "governance.keep_proposals",
}

_pending_job = sa.table("pending_job", sa.column("task", sa.String))


def upgrade() -> None:
    for old, new in RENAMED.items():
        op.execute(_pending_job.update().where(_pending_job.c.task == old).values(task=new))


def downgrade() -> None:
    for old, new in RENAMED.items():
        op.execute(_pending_job.update().where(_pending_job.c.task == new).values(task=old))
