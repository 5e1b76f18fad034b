"""The manifest a signed batch's anchor event names, read back and checked against that name: the one step every
verifier of an anchored batch (withdrawals, reviews) takes before it trusts a single entry the manifest lists."""

import json
from typing import Any

from chain.provenance import anchored_manifest_cid
from polyphony.errors import Conflict
from polyphony.storage.base import BlobReader
from polyphony.storage.unixfs import cid_of


def anchored_manifest(event_args: Any, *, batch: str, blobs: BlobReader, tampered: type[Conflict]) -> dict[str, Any]:
    """The JSON manifest of the batch (`batch` names it in messages) whose `BatchAnchored` event args are given,
    once its bytes hash to the CID the event names; `tampered` is raised when they do not, or it names none."""
    cid = anchored_manifest_cid(event_args)
    if cid is None:
        raise tampered(f"{batch}: its anchor event names no valid manifest CID")
    raw = b"".join(blobs.cat(cid))
    if cid_of(raw) != cid:
        raise tampered(f"{batch}: the manifest's bytes do not hash to {cid}")
    manifest: dict[str, Any] = json.loads(raw)
    return manifest
