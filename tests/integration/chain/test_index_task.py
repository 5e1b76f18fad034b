"""The beat-driven index task, run by the real chain-queue worker over the deployed contract set."""

from celery.result import AsyncResult

from chain.bindings import Deployment
from chain.indexer import DEPLOYMENT_CURSOR, events
from chain.roles import role_id
from polyphony.db import session_scope
from polyphony.queue import get_celery


def _index_through_the_worker() -> int:
    result: AsyncResult[int] = get_celery().send_task("chain.index_events")
    return result.get(timeout=120)


def test_the_chain_worker_indexes_the_deployments_role_grants(
    deployment: Deployment, chain_celery_worker: None
) -> None:
    _index_through_the_worker()
    token = deployment.contracts["token"].address
    assert _minters(token) == [deployment.contracts["rewardsDistributor"].address.lower()]
    _index_through_the_worker()
    assert _minters(token) == [deployment.contracts["rewardsDistributor"].address.lower()]  # indexed once, not twice


def _minters(token: str) -> list[str]:
    with session_scope() as session:
        grants = events(session, cursor=DEPLOYMENT_CURSOR, contract=token, name="RoleGranted")
        return [g.args["account"].lower() for g in grants if g.args["role"] == "0x" + role_id("MINTER_ROLE").hex()]
