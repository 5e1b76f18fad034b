"""Staging: where one upload's blocks wait, from its first byte until they are pinned or thrown away.

A staging is named by the process that made it and a random token (`<process>-<token>`), so a sweep can tell a
dead upload's blocks (its process has ended: `polyphony.processes.is_gone`) from a live one's, however long
the live one takes, and remove the dead ones within its period instead of waiting for garbage collection.
The local store keeps a staging's blocks in a folder of their own, moved into the store when pinned; an IPFS
node keeps them itself, and the staging is a marker file listing their CIDs, each written before its block is
sent.
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from polyphony.processes import is_gone, this_process


@dataclass
class Staging:
    """One upload's staged blocks: its name, the CIDs recorded so far (for a store that needs them), its marker."""

    name: str
    marker: Path | None = None
    cids: list[str] = field(default_factory=list)
    ended: bool = False

    @classmethod
    def begin(cls, folder: Path | None) -> "Staging":
        """A new staging of this process; with `folder`, its marker file is made there."""
        staging = cls(f"{this_process()}-{secrets.token_hex(8)}")
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            staging.marker = folder / staging.name
            staging.marker.touch()
        return staging

    def record(self, cid: str) -> None:
        """Note that a block `cid` is about to be stored (in the marker first, so a crash cannot hide it)."""
        self.cids.append(cid)
        if self.marker is not None:
            with self.marker.open("a") as marker:
                marker.write(cid + "\n")

    def end(self) -> None:
        """The staging is over: its marker goes, and discarding it again does nothing."""
        self.ended = True
        if self.marker is not None:
            self.marker.unlink(missing_ok=True)


def owner_is_gone(name: str) -> bool:
    """Whether the process that made the staging (or spool file) called `name` has ended."""
    owner, _, token = name.rpartition("-")
    return bool(owner) and bool(token) and is_gone(owner)


def abandoned_markers(folder: Path) -> list[Staging]:
    """The stagings in `folder` whose process has ended, with the CIDs their markers list."""
    if not folder.is_dir():
        return []
    found = []
    for marker in folder.iterdir():
        if marker.is_file() and owner_is_gone(marker.name):
            cids = [line for line in marker.read_text().splitlines() if line]
            found.append(Staging(marker.name, marker=marker, cids=cids))
    return found
