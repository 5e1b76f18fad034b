"""contribution topic: the optional topic an upload declares, from the list the demand registry keeps

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: on SQLite a copy drops `contribution`, which other tables reference.
    op.add_column("contribution", sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    # In place, as 0011 drops `text_field`: SQLite refuses a batch copy of `contribution` while rows point at it.
    op.execute("ALTER TABLE contribution DROP COLUMN topic")
