"""event indexer: named cursors, their recent checkpoints, and the events they stored

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indexer_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("start_block", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )

    op.create_table(
        "indexer_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cursor_id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.ForeignKeyConstraint(
            ["cursor_id"],
            ["indexer_cursor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cursor_id", "block_number"),
    )

    op.create_table(
        "chain_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cursor_id", sa.Integer(), nullable=False),
        sa.Column("contract", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("indexed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cursor_id"],
            ["indexer_cursor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cursor_id", "block_hash", "log_index"),
    )
    with op.batch_alter_table("chain_event", schema=None) as batch_op:
        batch_op.create_index("ix_chain_event_lookup", ["cursor_id", "contract", "name", "block_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chain_event", schema=None) as batch_op:
        batch_op.drop_index("ix_chain_event_lookup")

    op.drop_table("chain_event")
    op.drop_table("indexer_checkpoint")
    op.drop_table("indexer_cursor")
