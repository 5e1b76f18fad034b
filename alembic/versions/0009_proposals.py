"""proposals: Governor proposals approving a dataset for a round, votes and delegations relayed

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", _TEXT(length=78), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("governor", _TEXT(length=42), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("round_number", sa.BigInteger(), nullable=False),
        sa.Column("manifest_root", _TEXT(length=66), nullable=False),
        sa.Column("manifest_cid", _TEXT(length=100), nullable=False),
        sa.Column("target", _TEXT(length=42), nullable=False),
        sa.Column("calldata", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("curator", _TEXT(length=42), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("final_state", _TEXT(length=16), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset_id", "round_number"),
        sa.UniqueConstraint("proposal_id"),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_curator"), ["curator"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_final_state"), ["final_state"], unique=False)

    op.create_table(
        "relayed_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_ref", sa.Integer(), nullable=False),
        sa.Column("voter", _TEXT(length=42), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("signature", _TEXT(length=132), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", _TEXT(length=66), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_ref"], ["proposal.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_ref", "voter"),
    )
    with op.batch_alter_table("relayed_ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relayed_ballot_proposal_ref"), ["proposal_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_relayed_ballot_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_relayed_ballot_voter"), ["voter"], unique=False)

    op.create_table(
        "relayed_delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", _TEXT(length=42), nullable=False),
        sa.Column("delegator", _TEXT(length=42), nullable=False),
        sa.Column("delegatee", _TEXT(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("expiry", sa.BigInteger(), nullable=False),
        sa.Column("signature", _TEXT(length=132), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", _TEXT(length=66), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_id", "token", "delegator", "nonce"),
    )
    with op.batch_alter_table("relayed_delegation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relayed_delegation_delegator"), ["delegator"], unique=False)
        batch_op.create_index(batch_op.f("ix_relayed_delegation_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relayed_delegation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relayed_delegation_status"))
        batch_op.drop_index(batch_op.f("ix_relayed_delegation_delegator"))
    op.drop_table("relayed_delegation")

    with op.batch_alter_table("relayed_ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relayed_ballot_voter"))
        batch_op.drop_index(batch_op.f("ix_relayed_ballot_status"))
        batch_op.drop_index(batch_op.f("ix_relayed_ballot_proposal_ref"))
    op.drop_table("relayed_ballot")

    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_final_state"))
        batch_op.drop_index(batch_op.f("ix_proposal_dataset_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_curator"))
        batch_op.drop_index(batch_op.f("ix_proposal_created_at"))
    op.drop_table("proposal")
