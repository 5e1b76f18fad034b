"""FastAPI dependencies as `Annotated` aliases, so a route's signature reads as a sentence."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from chain.client import chain_probe
from polyphony.db import get_engine, get_session
from polyphony.health import Probe, database_probe, redis_probe, storage_probe, workers_probe
from polyphony.queue import get_celery
from polyphony.settings import Settings, get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage

SessionDep = Annotated[Session, Depends(get_session)]
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
    }


ProbesDep = Annotated[dict[str, Probe], Depends(get_probes)]
