"""signature lengths: a contract wallet's signature (a Safe's, 65 bytes per owner) is longer than a key's

Claims, revocations, relayed ballots and delegations kept a signature of 65 bytes at most (VARCHAR 132/140); they
become TEXT. The API bounds a signature's length. The downgrade leaves them TEXT: narrowing them would cut every
contract wallet's signature kept since (PostgreSQL refuses to), and the code of revision 0012 reads TEXT as it
read VARCHAR.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (column, its old VARCHAR length, nullable)
_COLUMNS = {
    "contribution": ("claim_signature", 140, True),
    "tombstone": ("signature", 140, False),
    "relayed_ballot": ("signature", 132, False),
    "relayed_delegation": ("signature", 132, False),
}


def upgrade() -> None:
    for table, (column, length, nullable) in _COLUMNS.items():
        _retype(table, column, old=sa.String(length), new=sa.Text(), nullable=nullable)


def downgrade() -> None:
    """Nothing to undo that can be undone without losing signatures (see above)."""


def _retype(table: str, column: str, *, old: sa.types.TypeEngine, new: sa.types.TypeEngine, nullable: bool) -> None:
    if table == "contribution" and op.get_bind().dialect.name == "sqlite":
        # Not a batch copy: SQLite refuses to drop `contribution` while other tables' rows point at it (see
        # 0011). A nullable column is replaced in place instead: added, filled, the old one dropped, renamed.
        op.execute(f"ALTER TABLE {table} ADD COLUMN _{column} {new.compile(dialect=op.get_bind().dialect)}")
        op.execute(f"UPDATE {table} SET _{column} = {column}")  # noqa: S608 (names from _COLUMNS, no input)
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(f"ALTER TABLE {table} RENAME COLUMN _{column} TO {column}")
        return
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, existing_type=old, type_=new, existing_nullable=nullable)
