"""Errors of reward epochs and claims, each with its stable code."""

from polyphony.errors import BadRequest, Conflict, NotFound


class EpochNotFound(NotFound):
    code = "epoch_not_found"


class EpochStillPending(Conflict):
    """The previous epoch's root is not settled (active or revoked) yet: the next one would build on sand."""

    code = "epoch_pending"


class NothingToClaim(Conflict):
    code = "nothing_to_claim"


class ClaimNotFound(NotFound):
    code = "claim_not_found"


class UnknownFormula(BadRequest):
    """A report names a reward formula this code does not compute: it cannot be recomputed here."""

    code = "unknown_formula"
