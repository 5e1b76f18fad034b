"""Rounds and models from the indexed registry events: approved datasets and registered models."""

from chain.bindings import read_deployment
from chain.client import served_chain_id
from governance.rounds.approvals import record_approvals
from governance.rounds.lineage import record_indexed_models
from polyphony.db import session_scope
from polyphony.settings import get_settings
from workers.app import app


@app.task(name="rounds.record_approvals")
def record_round_approvals() -> int:
    """Mark datasets approved (or no longer, after a reorg) and record new models; return how many rows changed."""
    settings = get_settings()
    deployment = read_deployment(settings.deployments_dir, served_chain_id(settings))
    if deployment is None:
        return 0
    with session_scope() as session:
        return record_approvals(session, deployment=deployment) + record_indexed_models(session, deployment=deployment)
