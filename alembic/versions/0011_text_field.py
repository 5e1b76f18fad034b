"""text field: the field of a record that holds its text, when the upload names one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contribution", sa.Column("text_field", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # ALTER TABLE, not a batch copy: a copy of `contribution` would be dropped and renamed, which SQLite refuses
    # while other tables' rows point at it. SQLite has dropped columns in place since 3.35 (2021).
    op.execute("ALTER TABLE contribution DROP COLUMN text_field")
