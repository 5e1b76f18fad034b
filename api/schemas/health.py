"""Response models of `GET /health`."""

from typing import Literal

from pydantic import BaseModel


class ComponentPublic(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float
    detail: str


class HealthPublic(BaseModel):
    """`GET /health`: the whole stack's status and each part's."""

    status: Literal["up", "down"]
    components: dict[str, ComponentPublic]
