"""Errors of datasets (filters, members, lookups): each with its HTTP status and stable code."""

from polyphony.errors import BadRequest, NotFound


class InvalidFilters(BadRequest):
    """A dataset filter has a value no contribution could ever have (a score past 10000, a blank language)."""

    code = "invalid_filters"


class UnknownContributions(BadRequest):
    """Explicit contribution ids that name no contribution."""

    code = "unknown_contributions"


class IneligibleContributions(BadRequest):
    """Explicit contribution ids of contributions a dataset may not hold (revoked, unanchored, failed, unscored)."""

    code = "ineligible_contributions"


class EmptySelection(BadRequest):
    """The filters select no contribution: a dataset is never empty."""

    code = "empty_selection"


class DatasetNotFound(NotFound):
    code = "dataset_not_found"
