"""Errors of reward epochs and claims, each with its stable code."""

from polyphony.errors import Conflict, NotFound


class EpochNotFound(NotFound):
    code = "epoch_not_found"


class EpochStillPending(Conflict):
    """The previous epoch's root is not settled (active or revoked) yet: the next one would build on sand."""

    code = "epoch_pending"


class NothingToClaim(Conflict):
    code = "nothing_to_claim"


class ClaimNotFound(NotFound):
    code = "claim_not_found"
