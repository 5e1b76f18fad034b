"""Staging: where one upload's blocks wait, from its first byte until they are pinned or thrown away.

A staging is named by the process that made it and a random token (`<process>-<token>`), so a sweep can tell a
dead upload's blocks (its process has ended: `polyphony.processes.is_gone`) from a live one's, however long
the live one takes, and remove the dead ones within its period instead of waiting for garbage collection.
The local store keeps a staging's blocks in a folder of their own, moved into the store when pinned; an IPFS
node keeps them itself, unpinned, for its own garbage collection.
"""

import secrets
from dataclasses import dataclass

from polyphony.processes import is_gone, this_process


@dataclass
class Staging:
    """One upload's staged blocks, by name; `ended` once they were pinned or thrown away."""

    name: str
    ended: bool = False

    @classmethod
    def begin(cls) -> "Staging":
        """A new staging of this process."""
        return cls(f"{this_process()}-{secrets.token_hex(8)}")

    def end(self) -> None:
        """The staging is over: throwing it away again does nothing."""
        self.ended = True


def owner_is_gone(name: str) -> bool:
    """Whether the process that made the staging (or spool file) called `name` has ended."""
    owner, _, token = name.rpartition("-")
    return bool(owner) and bool(token) and is_gone(owner)
