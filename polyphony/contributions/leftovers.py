"""What an upload leaves while it runs, and the sweep that removes what a dead one left.

An upload in flight holds a staging in storage (its blocks, until pinned) and, for the formats checked once
complete, a spool file. Both are named by the process that made them (`polyphony.processes`). A refused upload
removes its own at once; an upload whose process was killed cannot, so every API process sweeps every
POLYPHONY_UPLOAD_SWEEP_S: what a process that has ended left goes, what a live process holds is never touched,
however long its upload takes. The beat task `contributions.sweep_unfinished` runs the same sweep.
"""

import logging
import secrets
import threading
import time
from pathlib import Path

from polyphony.processes import this_process
from polyphony.storage.base import Storage
from polyphony.storage.staging import owner_is_gone

log = logging.getLogger(__name__)

SPOOL_PREFIX = "incoming-"


def spool_path(spool_dir: Path) -> Path:
    """Where a new upload of this process spools its file."""
    return spool_dir / f"{SPOOL_PREFIX}{this_process()}-{secrets.token_hex(8)}"


def sweep_abandoned(*, storage: Storage, spool_dir: Path, unowned_before: float | None = None) -> int:
    """Remove the stagings and spool files of uploads whose process has ended, and spool files of no known process
    last written before `unowned_before` (Unix time); how many went."""
    removed = storage.sweep_staging()
    if spool_dir.is_dir():
        for path in spool_dir.glob(f"{SPOOL_PREFIX}*"):
            if _abandoned(path, unowned_before):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _abandoned(path: Path, unowned_before: float | None) -> bool:
    name = path.name.removeprefix(SPOOL_PREFIX)
    if owner_is_gone(name):
        return True
    owned = name.count("-") == 1 and name.count(".") == 2  # `<process>-<token>`: its process is still running
    return not owned and unowned_before is not None and path.stat().st_mtime < unowned_before


class LeftoverSweeper:
    """A daemon thread running `sweep_abandoned` every `period_s` seconds, until `stop`."""

    def __init__(self, *, storage: Storage, spool_dir: Path, period_s: float) -> None:
        self._storage, self._spool_dir, self._period_s = storage, spool_dir, period_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="upload leftover sweep", daemon=True)

    def start(self) -> "LeftoverSweeper":
        """Start sweeping; the first sweep runs at once (leftovers of the process this one replaces)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the sweep under way, if any."""
        self._stopped.set()
        self._thread.join(timeout=self._period_s + 5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            started = time.monotonic()
            try:
                removed = sweep_abandoned(storage=self._storage, spool_dir=self._spool_dir)
                if removed:
                    log.info("removed %d leftovers of uploads whose process had ended", removed)
            except Exception:  # a sweep that failed (storage down) is tried again next period
                log.exception("the sweep of abandoned uploads failed")
            self._stopped.wait(max(0.0, self._period_s - (time.monotonic() - started)))
