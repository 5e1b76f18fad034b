"""Old task names, kept until no job can carry them: each forwards its job under the task's new name.

Jobs sent before the rename may still wait in the broker (the outbox's own rows were renamed by a migration).
"""

from typing import Any

from celery import Task

from polyphony.queue import RENAMED_TASKS
from workers.app import app


def _forwarder(new_name: str) -> Any:
    def forward(self: Task[Any, str], **arguments: Any) -> str:
        """Send this job again under its new name; the id of the job sent."""
        return str(app.send_task(new_name, kwargs=arguments).id)

    return forward


for _old, _new in RENAMED_TASKS.items():
    app.task(name=_old, bind=True)(_forwarder(_new))
