"""Response models: what the API promises to answer, and what the OpenAPI document shows."""

from typing import Literal

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorPublic(BaseModel):
    """Every 4xx/5xx body."""

    error: ErrorDetail


class ComponentPublic(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float
    detail: str


class HealthPublic(BaseModel):
    """`GET /health`: the whole stack's status and each part's."""

    status: Literal["up", "down"]
    components: dict[str, ComponentPublic]
