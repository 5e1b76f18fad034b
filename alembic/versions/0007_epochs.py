"""reward epochs: the budget, every contribution's reward, the cumulative root published on-chain

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cutoff", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("formula_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("budget", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("allocated", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("cumulative_total", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("base_epoch", sa.Integer(), nullable=True),
        sa.Column("contribution_count", sa.Integer(), nullable=False),
        sa.Column("account_count", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("distributor", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("root", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("report_cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("report_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("propose_tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("activates_at", sa.BigInteger(), nullable=True),
        sa.Column("activate_tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("proposed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("activated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_epoch_status"), "epoch", ["status"], unique=False)
    op.create_table(
        "reward_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("distributor", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("cumulative", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("amount", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("distributor", "account", "cumulative"),
    )
    op.create_index(op.f("ix_reward_claim_account"), "reward_claim", ["account"], unique=False)
    op.create_index(op.f("ix_reward_claim_status"), "reward_claim", ["status"], unique=False)
    op.create_table(
        "epoch_balance",
        sa.Column("epoch_id", sa.Integer(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("cumulative", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.ForeignKeyConstraint(
            ["epoch_id"],
            ["epoch.id"],
        ),
        sa.PrimaryKeyConstraint("epoch_id", "account"),
    )
    op.create_table(
        "epoch_reward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("contributor", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("amount", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["epoch_id"],
            ["epoch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("epoch_id", "contribution_id"),
    )
    op.create_index(op.f("ix_epoch_reward_contribution_id"), "epoch_reward", ["contribution_id"], unique=False)
    op.create_index(op.f("ix_epoch_reward_contributor"), "epoch_reward", ["contributor"], unique=False)
    op.create_index(op.f("ix_epoch_reward_epoch_id"), "epoch_reward", ["epoch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_epoch_reward_epoch_id"), table_name="epoch_reward")
    op.drop_index(op.f("ix_epoch_reward_contributor"), table_name="epoch_reward")
    op.drop_index(op.f("ix_epoch_reward_contribution_id"), table_name="epoch_reward")
    op.drop_table("epoch_reward")
    op.drop_table("epoch_balance")
    op.drop_index(op.f("ix_reward_claim_status"), table_name="reward_claim")
    op.drop_index(op.f("ix_reward_claim_account"), table_name="reward_claim")
    op.drop_table("reward_claim")
    op.drop_index(op.f("ix_epoch_status"), table_name="epoch")
    op.drop_table("epoch")
