"""Storage errors, each with its HTTP status and stable code."""

from polyphony.errors import BadRequest, NotFound, RangeNotSatisfiable, Unavailable


class InvalidCid(BadRequest):
    code = "invalid_cid"


class BlobNotFound(NotFound):
    code = "blob_not_found"


class InvalidRange(RangeNotSatisfiable):
    code = "invalid_range"


class StorageUnavailable(Unavailable):
    code = "storage_unavailable"


class GatewayUnavailable(Unavailable):
    code = "gateway_unavailable"
