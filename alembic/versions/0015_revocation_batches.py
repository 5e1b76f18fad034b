"""revocation batches: an anchor batch has a kind (0 claims, 1 revocations, 2 reviews), a tombstone its batch and leaf

Every batch so far held claims, so existing rows get kind 0.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: on SQLite a copy drops `anchor_batch`, which other tables reference.
    op.add_column("anchor_batch", sa.Column("kind", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_anchor_batch_kind", "anchor_batch", ["kind"])
    with op.batch_alter_table("tombstone") as batch:
        batch.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("leaf", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True))
        batch.create_index("ix_tombstone_batch_id", ["batch_id"])
        batch.create_foreign_key("fk_tombstone_batch_id", "anchor_batch", ["batch_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tombstone") as batch:
        batch.drop_constraint("fk_tombstone_batch_id", type_="foreignkey")
        batch.drop_index("ix_tombstone_batch_id")
        batch.drop_column("leaf")
        batch.drop_column("batch_id")
    op.drop_index("ix_anchor_batch_kind", table_name="anchor_batch")
    op.drop_column("anchor_batch", "kind")
