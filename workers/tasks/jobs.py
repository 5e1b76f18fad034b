"""The outbox sweep: send the jobs whose after-commit send did not happen (broker down, process killed)."""

from polyphony import jobs
from polyphony.db import session_scope
from workers.app import app


@app.task(name="jobs.flush_outbox")
def flush_outbox() -> int:
    """Send stale pending jobs; return how many went out."""
    with session_scope() as session:
        return jobs.flush_outbox(session)
