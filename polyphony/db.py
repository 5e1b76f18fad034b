"""The database engine, the two transaction boundaries (`session_scope()` and `get_session()`), and `page_of`, every
list's one way to read a page and its total.

Only these boundaries commit; services `flush()` when they need ids and never commit themselves.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select
from sqlmodel.sql.expression import SelectOfScalar

from polyphony.settings import get_settings

Row = TypeVar("Row")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so the API and workers can share one file."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while a worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().effective_database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for tasks and commands: commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session() -> Iterator[Session]:
    """The API's unit of work, one per request (a FastAPI dependency)."""
    with session_scope() as session:
        yield session


def page_of(session: Session, query: SelectOfScalar[Row], *, offset: int, limit: int) -> tuple[list[Row], int]:
    """One page of `query`'s rows (order it first) and how many rows it has in all: every list's one way."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    return list(session.exec(query.offset(offset).limit(limit))), total
