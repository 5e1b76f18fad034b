"""Which process made a file, and whether that process still runs: what lets a sweep remove a dead upload's
leftovers within seconds while never touching a live one's, however long that one takes.

A process is named by its host, its pid and its start time (from /proc), so a pid the system reused for another
process later is not taken for the one that made the file.
"""

import os
import re
import socket
from functools import cache
from pathlib import Path

_OWNER = re.compile(r"^(?P<host>[0-9a-f]{8})\.(?P<pid>[0-9]+)\.(?P<start>[0-9]+)$")


@cache
def this_process() -> str:
    """The name of the running process, as `is_gone` reads it: `<host>.<pid>.<start time>`."""
    return _name(_host(), os.getpid(), _start_time(os.getpid()) or 0)


def is_gone(owner: str) -> bool:
    """Whether the process `owner` names has ended. A process of another host, or a name that is not one, is
    never taken for gone: its leftovers are left to a sweep on that host, or to the stale-file rule."""
    match = _OWNER.match(owner)
    if match is None or match["host"] != _host():
        return False
    pid, started = int(match["pid"]), int(match["start"])
    if Path("/proc/self/stat").is_file():
        return _start_time(pid) != started
    return not _signalable(pid)


def _name(host: str, pid: int, start: int) -> str:
    return f"{host}.{pid}.{start}"


@cache
def _host() -> str:
    # A short, file-name-safe digest of the host name, the same in every process (FNV-1a, 32 bits; hash() is
    # salted per process).
    value = 0x811C9DC5
    for byte in socket.gethostname().encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); None without /proc, or
    once the process has ended (a zombie, killed and not yet reaped, has ended too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _signalable(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
