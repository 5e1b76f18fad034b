"""reviews: reviewers who opted in, sampled batches and documents, assignments, signed reviews

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "reviewer",
        sa.Column("address", Text(length=42), primary_key=True),
        sa.Column("opted_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_reviewer_active", "reviewer", ["active"])
    op.create_table(
        "batch_sampling",
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("anchor_batch.id"), primary_key=True),
        sa.Column("seed_block", sa.BigInteger(), nullable=False),
        sa.Column("seed_block_hash", Text(length=66), nullable=False),
        sa.Column("seed", Text(length=66), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("sampled", sa.Integer(), nullable=False),
        sa.Column("sampled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "review_sample",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contribution_id", sa.Integer(), sa.ForeignKey("contribution.id"), nullable=False),
        sa.Column("record", sa.Integer(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("contributor", Text(length=42), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("anchor_batch.id"), nullable=False),
        sa.Column("seed", Text(length=66), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sampled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("contribution_id", "record"),
    )
    for column in ("contribution_id", "contributor", "batch_id", "outcome", "sampled_at", "decided_at"):
        op.create_index(f"ix_review_sample_{column}", "review_sample", [column])
    op.create_table(
        "review_assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("review_sample.id"), nullable=False),
        sa.Column("reviewer", Text(length=42), nullable=False),
        sa.Column("assigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("sample_id", "reviewer"),
    )
    op.create_index("ix_review_assignment_sample_id", "review_assignment", ["sample_id"])
    op.create_index("ix_review_assignment_reviewer", "review_assignment", ["reviewer"])
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("review_sample.id"), nullable=False),
        sa.Column("reviewer", Text(length=42), nullable=False),
        sa.Column("accept", sa.Boolean(), nullable=False),
        sa.Column("reason", Text(length=32), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("anchor_batch.id"), nullable=True),
        sa.Column("leaf", Text(length=66), nullable=True),
        sa.UniqueConstraint("sample_id", "reviewer"),
    )
    for column in ("sample_id", "reviewer", "created_at", "batch_id"):
        op.create_index(f"ix_review_{column}", "review", [column])


def downgrade() -> None:
    for table in ("review", "review_assignment", "review_sample", "batch_sampling", "reviewer"):
        op.drop_table(table)
