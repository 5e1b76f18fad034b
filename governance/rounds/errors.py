"""Errors of rounds, pulls and models: each with its HTTP status and stable code."""

from polyphony.errors import BadRequest, Conflict, NotFound, PolyphonyError, Unavailable


class ModelNotFound(NotFound):
    code = "model_not_found"


class RoundNotApproved(NotFound):
    """No dataset is approved for this round on-chain."""

    code = "round_not_approved"


class RegistrationNotFound(BadRequest):
    """The transaction named holds no `ModelRegistered` event of this deployment's dataset registry."""

    code = "registration_not_found"


class PullRefused(PolyphonyError):
    """The pull found something it must not trust or cannot use; the message names the item."""

    status_code = 409
    code = "pull_refused"


class TamperedItem(PullRefused):
    """Bytes that do not hash to the CID, sha256 or root they are bound to."""

    code = "tampered_item"


class ApprovalMismatch(Conflict):
    """What the API says was approved is not what the chain says."""

    code = "approval_mismatch"


class ApiUnreachable(Unavailable):
    """The API a trainer's command reads from did not answer."""

    code = "api_unreachable"


class WithdrawalMismatch(PullRefused):
    """The API's tombstones and the revocations anchored on-chain disagree."""

    code = "withdrawal_mismatch"
