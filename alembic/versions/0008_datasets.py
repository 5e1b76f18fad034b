"""datasets: curated sets of scored contributions, their Croissant manifest and Merkle root; rounds and models

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("curator", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("root", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("manifest_cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("approved_round", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_approved_round"), ["approved_round"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_curator"), ["curator"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_manifest_cid"), ["manifest_cid"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_root"), ["root"], unique=False)

    op.create_table(
        "dataset_item",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("leaf", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
        ),
        sa.PrimaryKeyConstraint("dataset_id", "contribution_id"),
    )
    with op.batch_alter_table("dataset_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_item_contribution_id"), ["contribution_id"], unique=False)

    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round", sa.BigInteger(), nullable=False),
        sa.Column("model_cid", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lineage_cid", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("registrant", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index"),
    )
    with op.batch_alter_table("model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_model_cid"), ["model_cid"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_registrant"), ["registrant"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_round"), ["round"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_round"))
        batch_op.drop_index(batch_op.f("ix_model_registrant"))
        batch_op.drop_index(batch_op.f("ix_model_model_cid"))

    op.drop_table("model")

    with op.batch_alter_table("dataset_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_item_contribution_id"))

    op.drop_table("dataset_item")

    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_root"))
        batch_op.drop_index(batch_op.f("ix_dataset_manifest_cid"))
        batch_op.drop_index(batch_op.f("ix_dataset_curator"))
        batch_op.drop_index(batch_op.f("ix_dataset_created_at"))
        batch_op.drop_index(batch_op.f("ix_dataset_approved_round"))

    op.drop_table("dataset")
