"""FastAPI dependencies as `Annotated` aliases, so a route's signature reads as a sentence."""

import time
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from redis import Redis
from sqlmodel import Session
from starlette.requests import ClientDisconnect
from web3 import Web3

from chain.bindings import Deployment, read_deployment
from chain.client import chain_probe, connect, rpc_errors, served_chain_id
from chain.demand import is_topic
from chain.errors import ContractsNotDeployed
from chain.purse import admit_relay, relayer_probe
from polyphony.auth.errors import MissingToken
from polyphony.auth.tokens import NO_TOKEN, contributor_of
from polyphony.db import get_engine, get_session
from polyphony.health import Probe, database_probe, redis_probe, storage_probe, workers_probe
from polyphony.queue import get_celery
from polyphony.ratelimit import Admission, admit_upload, hit, preview_limits
from polyphony.settings import Settings, get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage
from polyphony.timing import phase, start_timing

T = TypeVar("T")

# scope="function": the unit of work commits before the response leaves, so a client that reads back what it just
# wrote, from this API worker or another one, finds it (the default runs the commit after the response is sent).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@lru_cache
def get_storage() -> Storage:
    """The configured CID store, one per process."""
    return storage_from_settings(get_settings())


StorageDep = Annotated[Storage, Depends(get_storage)]


def get_probes(settings: SettingsDep, storage: StorageDep) -> dict[str, Probe]:
    """One probe per part of the stack, in the order `/health` lists them."""
    return {
        "database": database_probe(get_engine()),
        "redis": redis_probe(settings.effective_redis_url),
        "chain": chain_probe(settings.effective_chain_rpc_url),
        "storage": storage_probe(storage),
        "workers": workers_probe(get_celery()),
        "relayer": relayer_probe(settings),
    }


ProbesDep = Annotated[dict[str, Probe], Depends(get_probes)]


def overridable(app: FastAPI, dependency: Callable[..., T]) -> Callable[..., T]:
    """`dependency`, or what a test put in its place (`app.dependency_overrides`): for a route that calls its
    dependencies itself, only those it needs (`/health`, whose every thread hop is a wait under load)."""
    replaced: Callable[..., T] = app.dependency_overrides.get(dependency, dependency)
    return replaced


@lru_cache
def get_redis() -> Redis:
    """The configured Redis (sign-in nonces, tokens, rate limits), one connection pool per process."""
    return Redis.from_url(get_settings().effective_redis_url, socket_timeout=5, socket_connect_timeout=2)


RedisDep = Annotated[Redis, Depends(get_redis)]


def client_host(request: Request) -> str:
    """The caller's IP; behind a proxy, list the proxy in uvicorn's --forwarded-allow-ips to get the real one."""
    return request.client.host if request.client else "unknown"


ClientHost = Annotated[str, Depends(client_host)]

_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /auth/login.")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def offered_contributor(redis: RedisDep, request: Request) -> str | None:
    """The address of the bearer token the request carries, None without one; 401 `invalid_token` for a bad one.

    Every route depends on it (see `create_app`), public ones too: a client whose token went bad is told so at
    once, instead of being answered as someone anonymous. It reads the header itself rather than through
    `_bearer`, so that the OpenAPI marks only the routes that need a token as secured.
    """
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() != "bearer" or not token:
        return None
    with phase("token"):
        return contributor_of(redis, token, now=time.time())


OfferedContributor = Annotated[str | None, Depends(offered_contributor)]


def current_contributor(offered: OfferedContributor, _documented: BearerCredentials) -> str:
    """The checksum address the request's bearer token signed in as; 401 without a valid one."""
    # The token was checked once for this request, by `offered_contributor`; `_documented` only marks the route.
    if offered is None:
        raise MissingToken(NO_TOKEN)
    return offered


CurrentContributor = Annotated[str, Depends(current_contributor)]


def limit_uploads(
    me: CurrentContributor, client: ClientHost, redis: RedisDep, settings: SettingsDep
) -> Iterator[Admission]:
    """Let an upload in within its client's and address's limits (429 with Retry-After past one); once it is
    answered, it stays counted if it was accepted, and moves to the refusals bucket if it was refused."""
    with phase("admission"):
        admission = admit_upload(redis, settings, client=client, address=me)
    try:
        yield admission
    except Exception as error:
        admission.refused(callers_mistake=_callers_mistake(error))
        raise
    admission.accepted()


def _callers_mistake(error: Exception) -> bool:
    """A 4xx, a body that stopped arriving or a client that hung up: the client's doing, not ours."""
    status = getattr(error, "status_code", 500)
    return isinstance(error, ClientDisconnect) or (isinstance(status, int) and 400 <= status < 500)


async def time_request() -> dict[str, float]:
    """Start timing the request's phases; async, so it runs in the request's own context (not a thread's copy),
    where the dependencies after it and the route see the phases it starts."""
    return start_timing()


# First among a route's parameters, before the dependencies whose phases it times.
RequestPhases = Annotated[dict[str, float], Depends(time_request)]

# scope="function": the slot is free again before the answer leaves, so the client's next upload finds it.
UploadAllowance = Annotated[Admission, Depends(limit_uploads, scope="function")]


def limit_previews(me: CurrentContributor, client: ClientHost, redis: RedisDep, settings: SettingsDep) -> None:
    """Count a score preview against its address's and its client's limits; 429 with Retry-After past either."""
    hit(redis, preview_limits(settings, client=client, address=me))


PreviewAllowance = Annotated[None, Depends(limit_previews)]


def relay_admission(
    session: SessionDep, redis: RedisDep, settings: SettingsDep, client: ClientHost
) -> Callable[..., None]:
    """`admit(action=..., address=...)`: count an accepted relayed request; 429 past the relayer's cap or a quota."""
    return partial(admit_relay, session, redis, settings, client=client)


RelayAdmission = Annotated[Callable[..., None], Depends(relay_admission)]


def get_deployment(settings: SettingsDep) -> Deployment:
    """The contract set on the configured chain; 503 until `polyphony deploy` has run."""
    return _deployment_on(settings.deployments_dir, served_chain_id(settings))


@lru_cache
def _deployment_on(deployments_dir: Path, chain_id: int) -> Deployment:
    # Read once per process: a deployment never changes under a running API (a missing one is not cached).
    deployment = read_deployment(deployments_dir, chain_id)
    if deployment is None:
        raise ContractsNotDeployed("the contracts are not deployed on this chain yet: run `polyphony deploy`")
    return deployment


DeploymentDep = Annotated[Deployment, Depends(get_deployment)]


def get_web3(settings: SettingsDep) -> Web3:
    """A client of the configured chain node, for the routes that read the chain."""
    return connect(settings.effective_chain_rpc_url)


Web3Dep = Annotated[Web3, Depends(get_web3)]


def topic_check(settings: SettingsDep) -> Callable[[str], bool]:
    """Whether a topic is on the demand registry's list; the chain is asked only when an upload declares one."""

    def listed(topic: str) -> bool:
        with rpc_errors():
            return is_topic(connect(settings.effective_chain_rpc_url), get_deployment(settings), topic)

    return listed


TopicCheckDep = Annotated[Callable[[str], bool], Depends(topic_check)]
