"""contributions: uploads, their timeline, and the Merkle batches that anchor their claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anchor_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("root", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("manifest_cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("registry_address", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("anchored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("root"),
    )
    with op.batch_alter_table("anchor_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anchor_batch_status"), ["status"], unique=False)

    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contributor", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("cid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_format", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("modality", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("license", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_report", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("claim_deadline", sa.BigInteger(), nullable=True),
        sa.Column("claim_signature", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("leaf", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["anchor_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contributor", "idempotency_key"),
        sa.UniqueConstraint("contributor", "sha256"),
    )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_cid"), ["cid"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_contributor"), ["contributor"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_contribution_status"), ["status"], unique=False)

    op.create_table(
        "contribution_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contribution_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_event_contribution_id"), ["contribution_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contribution_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_event_contribution_id"))

    op.drop_table("contribution_event")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_status"))
        batch_op.drop_index(batch_op.f("ix_contribution_sha256"))
        batch_op.drop_index(batch_op.f("ix_contribution_created_at"))
        batch_op.drop_index(batch_op.f("ix_contribution_contributor"))
        batch_op.drop_index(batch_op.f("ix_contribution_cid"))
        batch_op.drop_index(batch_op.f("ix_contribution_batch_id"))

    op.drop_table("contribution")
    with op.batch_alter_table("anchor_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anchor_batch_status"))

    op.drop_table("anchor_batch")
