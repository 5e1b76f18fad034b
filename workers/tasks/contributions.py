"""Contribution upkeep: remove what uploads interrupted by a crash left behind."""

from polyphony.contributions.ingest import sweep_unfinished
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from workers.app import app


@app.task(name="contributions.sweep_unfinished")
def sweep_unfinished_uploads() -> int:
    """Delete stale `storing` rows, unpin their bytes, remove their spool files; return how many rows."""
    settings = get_settings()
    return sweep_unfinished(storage=storage_from_settings(settings), spool_dir=settings.spool_dir)
