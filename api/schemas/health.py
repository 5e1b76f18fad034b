"""Response models of `GET /health`."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ComponentPublic(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float
    detail: str


class PartPublic(BaseModel):
    """One process that `polyphony up` runs and restarts when it dies."""

    status: Literal["running", "restarting"] = Field(description="restarting: it died and waits for its restart")
    restarts: int = Field(description="How often it was restarted since `polyphony up` started it")
    last_restart_at: datetime | None = None
    last_exit_code: int | None = Field(None, description="How it last stopped (-9: killed by SIGKILL)")


class HealthPublic(BaseModel):
    """`GET /health`: the whole stack's status and each part's."""

    status: Literal["up", "down"]
    checked_at: datetime = Field(description="When the parts were probed")
    age_s: float = Field(description="How old the answer is: at most a few seconds, 0 for ?deep=1")
    components: dict[str, ComponentPublic]
    parts: dict[str, PartPublic] | None = Field(
        None, description="The processes `polyphony up` supervises and their restarts; null when it does not run them"
    )
