"""Errors of sampled peer review, each with its stable code."""

from polyphony.errors import BadRequest, Conflict, Forbidden, NotFound


class SampleNotFound(NotFound):
    code = "sample_not_found"


class NotAssigned(Forbidden):
    """Only the reviewers a sample's seed chose may review it; nobody reviews their own documents."""

    code = "review_not_assigned"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


class SampleDecided(Conflict):
    """A majority already decided the sample: a later review would change nothing."""

    code = "sample_decided"


class BadReason(BadRequest):
    code = "bad_review_reason"


class NotAReviewer(Forbidden):
    """An address that has not opted in, or whose delegated votes are below the reviewers' minimum."""

    code = "not_a_reviewer"
