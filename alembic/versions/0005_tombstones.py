"""tombstones: contributions withdrawn by their contributors, with the signed revocation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tombstone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("contributor", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contribution_id"),
    )
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tombstone_cid"), ["cid"], unique=False)
        batch_op.create_index(batch_op.f("ix_tombstone_contributor"), ["contributor"], unique=False)
        batch_op.create_index(batch_op.f("ix_tombstone_revoked_at"), ["revoked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tombstone_revoked_at"))
        batch_op.drop_index(batch_op.f("ix_tombstone_contributor"))
        batch_op.drop_index(batch_op.f("ix_tombstone_cid"))

    op.drop_table("tombstone")
