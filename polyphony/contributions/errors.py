"""What can be wrong with a contribution, each with a stable code a client may switch on."""

from polyphony.errors import BadRequest, Conflict, Forbidden, NotFound


class UnknownLicense(BadRequest):
    code = "unknown_license"

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class InvalidMetadata(BadRequest):
    """A form field of the upload is missing, too long, or malformed."""

    code = "invalid_metadata"


class ContributionNotFound(NotFound):
    code = "contribution_not_found"


class NotYourContribution(Forbidden):
    code = "not_your_contribution"


class NotClaimable(Conflict):
    """Only a stored upload can be claimed: not one still storing, already claimed, or revoked."""

    code = "not_claimable"


class AlreadyRevoked(Conflict):
    code = "already_revoked"
