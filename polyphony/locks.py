"""`held_exclusively(name)`: a lock that processes on every machine sharing the database respect, and that dies
with the process holding it.

On PostgreSQL it is a session advisory lock on a connection of its own: the server drops it the moment that
connection closes, so a holder killed with SIGKILL (or whose machine is gone, once TCP notices) hands over with
no lease to wait out, and a holder that is merely slow keeps it, so no second holder can start beside a live
first. SQLite is one machine's database, so there it is an exclusive `flock` on a file beside it, which the
kernel drops with the process. A process that must wait logs once that it stands by.
"""

import fcntl
import hashlib
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from polyphony.db import get_engine
from polyphony.settings import get_settings

log = logging.getLogger(__name__)


@contextmanager
def held_exclusively(name: str) -> Iterator[None]:
    """Hold the lock `name` for the duration of the block, waiting for it as long as another process has it."""
    url = get_settings().effective_database_url
    holder = _advisory if url.startswith("postgresql") else _file_lock
    with holder(name):
        yield


@contextmanager
def _advisory(name: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with get_engine().connect() as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            _stand_by(name)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()  # the lock belongs to the session, not to a transaction: end the implicit one
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


@contextmanager
def _file_lock(name: str) -> Iterator[None]:
    folder = get_settings().home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path: Path = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _stand_by(name)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stand_by(name: str) -> None:
    log.warning("%s:%d stands by: another process holds %s", socket.gethostname(), os.getpid(), name)
