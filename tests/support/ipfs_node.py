"""A throw-away js-ipfs node speaking the Kubo RPC API, for the storage tests, the benchmark and CI.

No Kubo binary installs here, so the real IPFS node the tests use is js-ipfs 0.66.1 from node_modules. It runs
offline in its own repo in a temporary folder, with its API and gateway on loopback ports and no swarm.
Two fixes make it start on node 20: the npm override `"@multiformats/mafmt": "11.1.0"` in package.json, and
a `Promise.withResolvers` polyfill loaded with `NODE_OPTIONS=--require`.

    python -m tests.support.ipfs_node --api-port 5001   # runs until SIGTERM or Ctrl-C
"""

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO

import httpx

from cli.stack import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
JSIPFS = REPO_ROOT / "node_modules" / ".bin" / "jsipfs"
POLYFILL = Path(__file__).with_name("promise-with-resolvers.cjs")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@contextmanager
def ipfs_node(*, api_port: int | None = None) -> Iterator[str]:
    """Start a js-ipfs daemon in a temporary repo, yield its RPC API URL, and stop it by its pid."""
    if not JSIPFS.exists():
        raise RuntimeError(f"{JSIPFS.relative_to(REPO_ROOT)} is missing: run `make setup` (npm ci) first")
    with tempfile.TemporaryDirectory(prefix="polyphony-ipfs-") as home:
        environment = _node_environment(Path(home) / "repo")
        subprocess.run(
            [JSIPFS, "init", "--profile", "test", "--emptyRepo"], env=environment, check=True, capture_output=True
        )
        port = api_port or free_port()
        _configure(Path(home) / "repo" / "config", api_port=port, gateway_port=free_port())
        with (Path(home) / "daemon.log").open("w+") as log:
            daemon = subprocess.Popen(
                [JSIPFS, "daemon", "--offline", "--enable-preload=false"],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_for_api(url, daemon, log)
                yield url
            finally:
                _stop(daemon)


def _node_environment(repo: Path) -> dict[str, str]:
    environment = dict(os.environ, IPFS_PATH=str(repo))
    environment["NODE_OPTIONS"] = f'{os.environ.get("NODE_OPTIONS", "")} --require "{POLYFILL}"'.strip()
    return environment


def _configure(config_file: Path, *, api_port: int, gateway_port: int) -> None:
    """Loopback API and gateway on the chosen ports, no gRPC API, no swarm listeners."""
    config = json.loads(config_file.read_text())
    config["Addresses"].update(
        API=f"/ip4/127.0.0.1/tcp/{api_port}",
        Gateway=f"/ip4/127.0.0.1/tcp/{gateway_port}",
        RPC="",
        Swarm=[],
    )
    config_file.write_text(json.dumps(config, indent=2))


def _wait_for_api(url: str, daemon: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            break
        try:
            httpx.post(f"{url}/api/v0/version", timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"the js-ipfs node did not start within {START_TIMEOUT_S:g} s:\n{log.read()[-4000:]}")


def _stop(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is None:
        daemon.terminate()
        try:
            daemon.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    """Run a node until SIGTERM or Ctrl-C, printing its API URL once it answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=None, help="RPC API port on 127.0.0.1 (default: a free one)")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with ipfs_node(api_port=arguments.api_port) as url:
        print(f"js-ipfs RPC API at {url}", flush=True)  # noqa: T201 (the command's one line of output)
        while True:
            signal.pause()


if __name__ == "__main__":
    main()
