"""Response models of `GET /health`."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ComponentPublic(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float
    detail: str


class HealthPublic(BaseModel):
    """`GET /health`: the whole stack's status and each part's."""

    status: Literal["up", "down"]
    checked_at: datetime = Field(description="When the parts were probed")
    age_s: float = Field(description="How old the answer is: at most a few seconds, 0 for ?deep=1")
    components: dict[str, ComponentPublic]
