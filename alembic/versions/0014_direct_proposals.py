"""direct proposals: proposals made on the governor itself (Tally, a script), of any kind, with all their actions

A proposal now has a `kind` (`dataset_approval` or `other`), an `origin` (`polyphony` or `direct`) and its
`actions` as propose takes them ([{"target", "value", "calldata"}]), which replace the one `target` and
`calldata` a dataset approval had. The dataset fields and the curator are null for a proposal of another kind
or made elsewhere. Rows are copied one by one in Python, so the JSON is written the same way on SQLite and
PostgreSQL.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_DATASET_FIELDS = (
    ("dataset_id", sa.Integer()), ("round_number", sa.BigInteger()), ("manifest_root", _TEXT(length=66)),
    ("manifest_cid", _TEXT(length=100)), ("curator", _TEXT(length=42)),
)  # fmt: skip


def _proposals(*columns: sa.Column[object]) -> sa.TableClause:
    return sa.table("proposal", sa.column("id", sa.Integer()), *columns)


@contextmanager
def _ballots_set_aside() -> Iterator[None]:
    """SQLite alters `proposal` by rebuilding it, and dropping the old copy fails while relayed ballots point at it
    (foreign keys are on, and `PRAGMA foreign_keys` does nothing inside the migration's transaction): the ballots
    wait in a temporary table meanwhile, and come back with the same ids. PostgreSQL alters the table in place."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TEMPORARY TABLE relayed_ballot_aside AS SELECT * FROM relayed_ballot")
    op.execute("DELETE FROM relayed_ballot")
    yield
    op.execute("INSERT INTO relayed_ballot SELECT * FROM relayed_ballot_aside")
    op.execute("DROP TABLE relayed_ballot_aside")


def upgrade() -> None:
    with _ballots_set_aside():
        _upgrade()


def downgrade() -> None:
    """Back to dataset approvals asked for here only: proposals of other kinds or origins are deleted."""
    kept = _proposals(sa.column("kind", sa.String()), sa.column("origin", sa.String()))
    dropped = sa.select(kept.c.id).where(sa.or_(kept.c.kind != "dataset_approval", kept.c.origin != "polyphony"))
    ballots = sa.table("relayed_ballot", sa.column("proposal_ref", sa.Integer()))
    op.execute(ballots.delete().where(ballots.c.proposal_ref.in_(dropped)))
    op.execute(kept.delete().where(kept.c.id.in_(dropped)))
    with _ballots_set_aside():
        _downgrade()


def _upgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=False, server_default="dataset_approval"))
        batch_op.add_column(sa.Column("origin", sa.String(length=16), nullable=False, server_default="polyphony"))
        batch_op.add_column(sa.Column("actions", sa.JSON(), nullable=True))
    proposals = _proposals(sa.column("target", sa.String()), sa.column("calldata", sa.Text()),
                           sa.column("actions", sa.JSON()))  # fmt: skip
    connection = op.get_bind()
    for row in connection.execute(sa.select(proposals.c.id, proposals.c.target, proposals.c.calldata)).all():
        actions = [{"target": row.target, "value": "0", "calldata": row.calldata}]
        connection.execute(proposals.update().where(proposals.c.id == row.id).values(actions=actions))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("origin", server_default=None)
        batch_op.alter_column("actions", existing_type=sa.JSON(), nullable=False)
        for name, kind in _DATASET_FIELDS:
            batch_op.alter_column(name, existing_type=kind, nullable=True)
        batch_op.drop_column("target")
        batch_op.drop_column("calldata")
        batch_op.create_index(batch_op.f("ix_proposal_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_origin"), ["origin"], unique=False)


def _downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", _TEXT(length=42), nullable=True))
        batch_op.add_column(sa.Column("calldata", sa.Text(), nullable=True))
    proposals = _proposals(sa.column("target", sa.String()), sa.column("calldata", sa.Text()),
                           sa.column("actions", sa.JSON()))  # fmt: skip
    connection = op.get_bind()
    for row in connection.execute(sa.select(proposals.c.id, proposals.c.actions)).all():
        action = row.actions[0]
        connection.execute(
            proposals.update()
            .where(proposals.c.id == row.id)
            .values(target=action["target"], calldata=action["calldata"])
        )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_origin"))
        batch_op.drop_index(batch_op.f("ix_proposal_kind"))
        batch_op.alter_column("target", existing_type=_TEXT(length=42), nullable=False)
        batch_op.alter_column("calldata", existing_type=sa.Text(), nullable=False)
        for name, kind in _DATASET_FIELDS:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.drop_column("actions")
        batch_op.drop_column("origin")
        batch_op.drop_column("kind")
