"""The error body every 4xx and 5xx answer carries: `{"error": {"code", "message"}}`."""

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorPublic(BaseModel):
    """Every 4xx/5xx body."""

    error: ErrorDetail
