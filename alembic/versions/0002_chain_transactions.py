"""chain transactions: intents and each signed attempt, written before broadcast

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_transaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("to", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("contract_address", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_id", "intent"),
    )
    with op.batch_alter_table("chain_transaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_transaction_sender"), ["sender"], unique=False)
        batch_op.create_index(batch_op.f("ix_chain_transaction_status"), ["status"], unique=False)

    op.create_table(
        "chain_transaction_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("max_fee_per_gas", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("max_priority_fee_per_gas", sqlmodel.sql.sqltypes.AutoString(length=78), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["chain_transaction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash"),
    )
    with op.batch_alter_table("chain_transaction_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chain_transaction_attempt_transaction_id"), ["transaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chain_transaction_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_transaction_attempt_transaction_id"))

    op.drop_table("chain_transaction_attempt")
    with op.batch_alter_table("chain_transaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_transaction_status"))
        batch_op.drop_index(batch_op.f("ix_chain_transaction_sender"))

    op.drop_table("chain_transaction")
