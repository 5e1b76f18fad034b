"""The API application: `create_app()` wires routes, error handlers and metrics."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.deps import get_redis, get_storage, offered_contributor, time_request
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
    demand,
    epochs,
    health,
    ipfs,
    licenses,
    metrics,
    proposals,
    reviews,
    rewards,
    rounds,
    scores,
    tombstones,
    trained_models,
)
from api.schemas.errors import ErrorPublic
from api.timeouts import BodyIdleTimeout
from polyphony.contributions.leftovers import LeftoverSweeper
from polyphony.queue import SCORING_QUEUE
from polyphony.scores.metrics import install_collector
from polyphony.settings import get_settings

_BAD_TOKEN = {
    "model": ErrorPublic,
    "description": "error code `invalid_token`: the request carried a bearer token that was never issued here, "
    "has expired or was revoked (the message and WWW-Authenticate's error_description say which)",
}


# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms). The event loop, which
# reads every request, waits for it behind the threads that check and store uploads, several times per answer.
GIL_SWITCH_INTERVAL_S = 0.001


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, this process sweeps what dead uploads left on this machine, and its event loop
    waits at most a millisecond for the GIL at a time."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    settings = get_settings()
    sweeper = LeftoverSweeper(
        storage=get_storage(), spool_dir=settings.spool_dir, period_s=settings.polyphony_upload_sweep_s
    ).start()
    try:
        yield
    finally:
        sweeper.stop()


def create_app() -> FastAPI:
    """A fresh Polyphony API application."""
    app = FastAPI(
        title="Polyphony",
        summary="Community-owned AI data: contributions, provenance, scores, rewards and training rounds.",
        version="0.1.0",
        docs_url=None,  # served by install_docs, with their assets from this server rather than a CDN
        redoc_url=None,
        responses={401: _BAD_TOKEN, 500: {"model": ErrorPublic}},
        # Any route, public ones too, refuses a bearer token that is no good rather than ignoring it; its phases
        # (the token read among them) are timed from the start, for the routes that answer them as Server-Timing.
        dependencies=[Depends(time_request), Depends(offered_contributor)],
        lifespan=_lifespan,
    )
    install_docs(app)
    install_error_handlers(app)
    app.add_middleware(health.HealthFastPath)  # innermost: inside the request metrics, before the routing
    app.add_middleware(BodyIdleTimeout, idle_s=get_settings().polyphony_body_idle_timeout_s)
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
    app.include_router(demand.router)
    app.include_router(licenses.router)
    app.include_router(reviews.router)
    app.include_router(web_app.router)  # last: its /app/{page} answers any path under /app
    return app
