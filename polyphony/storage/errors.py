"""Storage errors, each with its HTTP status and stable code."""

from polyphony.errors import BadRequest, NotAcceptable, NotFound, RangeNotSatisfiable, Unavailable


class InvalidCid(BadRequest):
    code = "invalid_cid"


class InvalidFormat(BadRequest):
    """A `?format=` the gateway does not serve."""

    code = "invalid_format"


class NoAcceptableFormat(NotAcceptable):
    """An `Accept` header that names none of the gateway's answers (the bytes, a raw block, a CAR)."""

    code = "not_acceptable"


class BlobNotFound(NotFound):
    code = "blob_not_found"


class InvalidRange(RangeNotSatisfiable):
    code = "invalid_range"


class StorageUnavailable(Unavailable):
    code = "storage_unavailable"


class GatewayUnavailable(Unavailable):
    code = "gateway_unavailable"
