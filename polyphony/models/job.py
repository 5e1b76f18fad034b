"""The job outbox: a task to send, written in the same transaction as the change that asked for it."""

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class PendingJob(SQLModel, table=True):
    """A Celery task not yet handed to the broker; deleted once it is."""

    __tablename__ = "pending_job"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=200)
    # Celery's id for the task, chosen here so a job can be followed before and after it is sent.
    task_id: str = Field(default_factory=lambda: uuid4().hex, max_length=32, unique=True)
    arguments: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
