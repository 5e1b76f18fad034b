"""The tests' rollback session (`db_session`): what a test writes through it is gone afterwards, even committed."""

from uuid import uuid4

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from polyphony.models import IndexerCursor
from tests.integration.conftest import rolled_back_session


def _cursor(name: str) -> IndexerCursor:
    return IndexerCursor(name=name, chain_id=1, start_block=0, block_number=-1)


def _names(session: Session, *names: str) -> list[str]:
    query = select(IndexerCursor.name).where(col(IndexerCursor.name).in_(names))
    return sorted(session.exec(query).all())


def test_rows_written_and_committed_through_one_rolled_back_session_are_gone_for_the_next(engine: Engine) -> None:
    kept, dropped = f"test:rollback:{uuid4().hex}", f"test:rollback:{uuid4().hex}"
    with rolled_back_session(engine) as session:
        session.add(_cursor(kept))
        session.commit()  # as a unit of work under test would: this only releases a savepoint
        session.add(_cursor(dropped))
        session.flush()
        session.rollback()  # back to the savepoint: what was committed before stays, for this session
        assert _names(session, kept, dropped) == [kept]
    with rolled_back_session(engine) as session:
        assert _names(session, kept, dropped) == []
    with Session(engine) as session:  # nor does any other connection find them
        assert _names(session, kept, dropped) == []
