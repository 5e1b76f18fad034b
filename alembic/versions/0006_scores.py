"""contribution scores: one per (contribution, policy), with every dimension and the signed attestation; policies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contribution_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("policy_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("exact_of", sa.Integer(), nullable=True),
        sa.Column("near_of", sa.Integer(), nullable=True),
        sa.Column("near_similarity_bp", sa.Integer(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("novelty_bp", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("task_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("scorer", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
        sa.Column("attestation_signature", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=True),
        sa.Column("scored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["contribution.id"],
        ),
        sa.ForeignKeyConstraint(["exact_of"], ["contribution.id"]),
        sa.ForeignKeyConstraint(["near_of"], ["contribution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contribution_id", "policy_hash"),
    )
    with op.batch_alter_table("contribution_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_score_contribution_id"), ["contribution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_score_policy_hash"), ["policy_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_score_scored_at"), ["scored_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_score_verdict"), ["verdict"], unique=False)
    op.create_table(
        "scoring_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("document_cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy_hash"),
    )


def downgrade() -> None:
    op.drop_table("scoring_policy")
    with op.batch_alter_table("contribution_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_score_verdict"))
        batch_op.drop_index(batch_op.f("ix_contribution_score_scored_at"))
        batch_op.drop_index(batch_op.f("ix_contribution_score_policy_hash"))
        batch_op.drop_index(batch_op.f("ix_contribution_score_contribution_id"))

    op.drop_table("contribution_score")
