"""The README's tour, played as written on a live `polyphony up` with the short delays the README gives.

The commands are read from the README's `sh` blocks under "A tour", so the test fails when the README drifts
from the product. A command is changed only where a reader would change it: the ports (the test's stack listens on
free ones), the state folder and the virtualenv's path, their own address and key files, their model's CID. A
reader waits where the README says a step takes time; the test waits there too, by reading the API, and nothing
but the stack moves the chain's clock.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from cli.stack import free_port
from polyphony.storage.unixfs import cid_of

pytestmark = [pytest.mark.embedded_only, pytest.mark.timeout(900)]

README = Path(__file__).resolve().parents[3] / "README.md"
BIN = Path(sys.executable).parent
STEP_S = 240.0  # the longest a step the README says takes time may take on two busy cores
# Lines no CI can run, each with why: they need a desktop, an IPFS node's own binary, a deployed Safe or other
# people (the tour has one reader: a review needs three reviewers besides the contributor).
NOT_RUN = {
    "xdg-open": "opens a desktop browser",
    "make bench": "benchmarks are not tests (and take minutes)",
    "--safe 0xSAFE": "needs a deployed Safe; governance/test_safe_wallets.py and reviews/test_cli.py play them",
    "claim --key-file my.key --self": "the alternative to the relayed claim just made (nothing is left to claim)",
    "polyphony review accept": "needs a document assigned: three eligible reviewers besides its contributor "
    "(tests/integration/reviews/test_cli.py plays it)",
    "polyphony review reject": "the same: tests/integration/reviews/test_cli.py plays it",
}
# What the README's comments say a command prints, checked where its words are exact.
PRINTS = {
    "polyphony propose --dataset 1": "(number 1)",
    "polyphony claim --key-file my.key ": "mined",
    "polyphony pull --round 1": "verified into round-1",
    "polyphony review next": "nothing is assigned to you",
    "/rounds/1/card": "# Polyphony round 1",
}
ASSIGNMENT = re.compile(r"^([A-Z_]+)=([\w.-]+)\s*(?:#.*)?$")
SHORT_DELAYS = re.compile(r"^((?:POLYPHONY_\w+=\d+\s+)+)make run$")


@dataclass
class Tour:
    folder: Path
    env: dict[str, str]
    api: str
    chain: str
    up: subprocess.Popen[bytes]

    def log(self) -> str:
        return (self.folder / "up.log").read_text(errors="replace")[-4000:]

    def get(self, path: str) -> Any:
        return httpx.get(f"{self.api}{path}", timeout=10).json()

    def wait(self, what: str, ready: Callable[[], bool]) -> None:
        """Wait as a reader does where the README says a step takes time: by looking again."""
        deadline = time.monotonic() + STEP_S
        while not ready():
            assert self.up.poll() is None, f"`polyphony up` stopped:\n{self.log()}"
            assert time.monotonic() < deadline, f"{what}: not within {STEP_S:g} s\n{self.log()}"
            time.sleep(1)


def tour_commands() -> list[str]:
    """Every command of the README's tour, in order: the `sh` blocks' lines, continued lines joined."""
    section = README.read_text().split("\n## A tour\n", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        pending = ""
        for line in block.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.endswith("\\") or not _complete(pending):
                continue
            commands.append(pending.replace("\\\n", " "))
            pending = ""
        assert not pending, f"an unfinished command in the README: {pending}"
    return commands


def _complete(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:  # a quotation still open: the command goes on on the next line
        return False
    return True


def short_delays(commands: list[str]) -> dict[str, str]:
    """The variables the README tells a new user to set for the short delays."""
    found = [SHORT_DELAYS.match(command.strip()) for command in commands]
    settings = [match.group(1) for match in found if match]
    assert len(settings) == 1, "the README's tour must give one `... make run` with short delays"
    return dict(word.split("=", 1) for word in settings[0].split())


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tour]:
    """`polyphony up` as `make run` starts it, in a fresh folder whose `var/` is the stack's state (the default), on
    free ports."""
    folder = tmp_path_factory.mktemp("tour")
    ports = {name: str(free_port()) for name in ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT")}
    # The suite's own settings (tests/conftest.py: no interval mining, raised rate limits) are not a reader's.
    reader = {name: value for name, value in os.environ.items() if not name.startswith("POLYPHONY_")}
    env = {**reader, **short_delays(tour_commands()), **ports}
    with (folder / "up.log").open("ab") as log:
        up = subprocess.Popen([str(BIN / "polyphony"), "up"], cwd=folder, env=env, stdout=log, stderr=log)
    played = Tour(folder, env, f"http://127.0.0.1:{ports['POLYPHONY_API_PORT']}",
                  f"http://127.0.0.1:{ports['POLYPHONY_CHAIN_PORT']}", up)  # fmt: skip
    try:
        played.wait("the stack's first green /health", lambda: _healthy(played))
        yield played
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=90)
        except subprocess.TimeoutExpired:
            up.kill()


def _healthy(tour: Tour) -> bool:
    try:
        return httpx.get(f"{tour.api}/health", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


def test_the_readme_tour_works_as_written(tour: Tour) -> None:
    commands = tour_commands()
    (tour.folder / "model.bin").write_bytes(b"a model file's bytes\n" * 100)
    played: list[str] = []
    for command in commands:
        if SHORT_DELAYS.match(command.strip()):
            continue  # the stack of this test was started with them
        reason = next((why for marker, why in NOT_RUN.items() if marker in command), None)
        if reason:
            print(f"not run ({reason}): {command.splitlines()[0]}")  # noqa: T201
            continue
        _wait_for_what_it_needs(tour, command)
        typed = _as_a_reader_types_it(tour, command)
        if assigned := ASSIGNMENT.match(typed):  # a shell variable the next commands read
            tour.env[assigned.group(1)] = assigned.group(2)
        output = _run(tour, typed)
        played.append(f"$ {command}\n{output}")
        for marker, said in PRINTS.items():
            if marker in command:
                assert said in output, f"$ {command}\nthe README says it prints {said!r}; it printed:\n{output}"
    print("\n".join(played))  # noqa: T201 (the tour as it ran, shown by -s)
    assert any("polyphony claim" in command for command in commands)


def _address(key_file: Path) -> str:
    return str(Account.from_key(key_file.read_text().strip()).address)


def _as_a_reader_types_it(tour: Tour, command: str) -> str:
    """The command with what a reader has in place of the README's placeholders and defaults."""
    me = _address(tour.folder / "my.key") if "0xYOURADDRESS" in command else ""
    trainer = _address(tour.folder / "trainer.key") if "0xTRAINERADDRESS" in command else ""
    model_cid = cid_of((tour.folder / "model.bin").read_bytes())
    replaced = (
        command.replace(".venv/bin/", f"{BIN}/")
        .replace("http://127.0.0.1:8000", tour.api)
        .replace("http://127.0.0.1:8545", tour.chain)
        .replace("0xYOURADDRESS", me)
        .replace("0xTRAINERADDRESS", trainer)
    )
    # "your model file's CID, from any IPFS node": the same CID, computed without an IPFS binary.
    return re.sub(r"\$\(ipfs add [^)]*\)", model_cid, replaced)


def _wait_for_what_it_needs(tour: Tour, command: str) -> None:
    """Where the README says a step takes time, wait for it as a reader does before the next command."""
    if "verify provenance 1" in command:  # "anchored (within 30 s)"
        tour.wait("contribution 1 anchored", lambda: tour.get("/contributions/1")["status"] != "claimed")
    if "verify score 1" in command or "epoch close" in command:  # "scored"
        tour.wait("contribution 1 scored", lambda: tour.get("/contributions/1")["status"] in {"scored", "rewarded"})
    if "polyphony claim" in command:  # "once the challenge delay has passed (the epoch is active)"
        tour.wait("epoch 1 active", lambda: tour.get("/epochs/1")["status"] == "active")
    if "polyphony vote 1" in command:  # "a vote before the snapshot is 409 proposal_not_active"
        tour.wait("proposal 1 open", lambda: tour.get("/proposals/1")["state"] == "active")
    if "rounds/1" in command and "withdrawals" not in command:  # the keeper queues and executes it
        tour.wait("proposal 1 executed", lambda: tour.get("/proposals/1")["state"] == "executed")


def _run(tour: Tour, command: str) -> str:
    done = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{command}"], cwd=tour.folder, env=tour.env, capture_output=True,
        text=True, timeout=STEP_S,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"$ {command}\nexit {done.returncode}\n{output}\n{tour.log()}"
    return output


def test_the_tour_section_has_its_commands() -> None:
    """What the tour test reads is the tour: a README without it would play nothing."""
    commands = tour_commands()
    assert json.dumps(short_delays(commands))
    assert len(commands) > 30
