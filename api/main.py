"""The API application: `create_app()` wires routes, error handlers and metrics."""

from fastapi import Depends, FastAPI

from api.deps import get_redis, offered_contributor
from api.docs import install_docs
from api.errors import install_error_handlers
from api.metrics import install_metrics
from api.routes import (
    app as web_app,
)
from api.routes import (
    auth,
    config,
    contributions,
    coverage,
    datasets,
    delegations,
    epochs,
    health,
    ipfs,
    licenses,
    metrics,
    proposals,
    rewards,
    rounds,
    scores,
    tombstones,
    trained_models,
)
from api.schemas.errors import ErrorPublic
from polyphony.queue import SCORING_QUEUE
from polyphony.scores.metrics import install_collector

_BAD_TOKEN = {
    "model": ErrorPublic,
    "description": "error code `invalid_token`: the request carried a bearer token that was never issued here, "
    "has expired or was revoked (the message and WWW-Authenticate's error_description say which)",
}


def create_app() -> FastAPI:
    """A fresh Polyphony API application."""
    app = FastAPI(
        title="Polyphony",
        summary="Community-owned AI data: contributions, provenance, scores, rewards and training rounds.",
        version="0.1.0",
        docs_url=None,  # served by install_docs, with their assets from this server rather than a CDN
        redoc_url=None,
        responses={401: _BAD_TOKEN, 500: {"model": ErrorPublic}},
        # Any route, public ones too, refuses a bearer token that is no good rather than ignoring it.
        dependencies=[Depends(offered_contributor)],
    )
    install_docs(app)
    install_error_handlers(app)
    install_metrics(app)
    install_collector(get_redis(), queue=SCORING_QUEUE)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router)
    app.include_router(contributions.router)
    app.include_router(scores.router)
    app.include_router(scores.preview_router)
    app.include_router(tombstones.router)
    app.include_router(ipfs.router)
    app.include_router(proposals.router)
    app.include_router(delegations.router)
    app.include_router(rewards.router)
    app.include_router(epochs.router)
    app.include_router(datasets.router)
    app.include_router(rounds.router)
    app.include_router(trained_models.router)
    app.include_router(config.router)
    app.include_router(coverage.router)
    app.include_router(licenses.router)
    app.include_router(web_app.router)  # last: its /app/{page} answers any path under /app
    return app
