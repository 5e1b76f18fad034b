"""Every task has its queue named in one table, and every task that sends a transaction runs on the chain queue."""

import pytest

from polyphony.queue import CHAIN_QUEUE, QUEUE_OF_TASK, RENAMED_TASKS, task_routes
from workers.app import app

# The tasks that send transactions: one chain-queue worker (concurrency 1) owns each key's nonces.
SENDS_TRANSACTIONS = {
    "chain.anchor_claims",
    "chain.anchor_revocations",
    "scoring.register_policy",
    "rewards.propose_epoch_root",
    "rewards.keep_epochs",
    "rewards.relay_claim",
    "governance.submit_proposal",
    "governance.relay_ballot",
    "governance.relay_delegation",
    "governance.keep_proposals",
}


@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_registered_task_has_its_queue_in_the_table(registered: set[str]) -> None:
    assert registered - set(RENAMED_TASKS) == set(QUEUE_OF_TASK)


def test_a_task_name_starts_with_the_domain_of_the_module_that_defines_it(registered: set[str]) -> None:
    for name in registered - set(RENAMED_TASKS):
        module = app.tasks[name].__module__
        assert module == f"workers.tasks.{name.split('.')[0]}", f"{name} is defined in {module}"


def test_every_task_that_sends_a_transaction_runs_on_the_chain_queue() -> None:
    routes = task_routes()
    assert {name for name in SENDS_TRANSACTIONS if routes[name]["queue"] != CHAIN_QUEUE} == set()


def test_an_old_name_routes_to_the_queue_of_its_new_name_and_is_still_registered(registered: set[str]) -> None:
    routes = task_routes()
    for old, new in RENAMED_TASKS.items():
        assert new in QUEUE_OF_TASK and old in registered
        assert routes[old] == routes[new]


def test_the_beat_schedule_names_only_tasks_of_the_table() -> None:
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled <= set(QUEUE_OF_TASK)
