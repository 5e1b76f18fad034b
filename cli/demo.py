"""`polyphony demo`: the whole mission on a fresh embedded stack, one printed step at a time.

Every step runs the same `polyphony` command a person would type (shown with a `$`), against a stack started
in a throwaway state folder on free ports, so it never touches `var/` or a running `make run`. Nothing in it is
what a real deployment could not do: the governance and reward delays are set to seconds, and the demo waits
them out in real time while anvil mines a block every second of its own. So the chain's clock stays the wall
clock, and what is read "at an epoch's end" on the chain (the demand in force) is what was in force then.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from rich.console import Console
from rich.rule import Rule
from web3 import Web3

from cli.client import PolyphonyClient
from cli.demo_data import JUNK_RECORDS, DemoFile, copied_reference, second_table, write_demo_files
from cli.stack import free_port
from cli.train import train_unigram
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings

POLYPHONY = str(Path(sys.executable).with_name("polyphony"))
STARTUP_TIMEOUT_S = 180.0
WAIT_TIMEOUT_S = 240.0
# Short delays keep the demo quick: it waits each one out. The vote lasts long enough for every holder's relayed
# ballot to be mined on a busy machine.
DEMO_SETTINGS = {
    "POLYPHONY_CHAIN_BLOCK_TIME_S": "1",
    "POLYPHONY_VOTING_DELAY_S": "1",
    "POLYPHONY_VOTING_PERIOD_S": "90",
    "POLYPHONY_TIMELOCK_DELAY_S": "10",
    "POLYPHONY_REWARD_CHALLENGE_DELAY_S": "30",
    "POLYPHONY_EPOCH_BUDGET": str(1_000_000 * 10**18),
    # Six contributors: the default cap (10 % each) would leave half of the budget unpaid.
    "POLYPHONY_EPOCH_CONTRIBUTOR_CAP_BPS": "3000",
    # Everyone here signs in from one address, once per command: the reviewers' steps alone pass the limits a
    # public API sets for one client and one wallet.
    "POLYPHONY_SIGN_IN_PER_CLIENT": "1000",
    "POLYPHONY_SIGN_IN_PER_ADDRESS": "100",
}


class DemoFailed(Exception):
    """A step did not come out as it should; the message says which and why."""


class Demo:
    """The stack under the demo, the people in it, and the steps they take."""

    def __init__(self, home: Path, console: Console) -> None:
        self.home = home
        self.console = console
        self.api_port = free_port()
        self.env = {
            **os.environ,
            **DEMO_SETTINGS,
            "POLYPHONY_HOME": str(home),
            "POLYPHONY_API_PORT": str(self.api_port),
            "POLYPHONY_REDIS_PORT": str(free_port()),
            "POLYPHONY_CHAIN_PORT": str(free_port()),
        }
        for unset in ("DATABASE_URL", "REDIS_URL", "CHAIN_RPC_URL", "IPFS_API_URL", "POLYPHONY_PUBLIC_URL"):
            self.env.pop(unset, None)
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.http = httpx.Client(base_url=self.api, timeout=60)
        self.web3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{self.env['POLYPHONY_CHAIN_PORT']}"))
        self.keys = home / "demo-keys"
        self.people: dict[str, str] = {}

    # -- the stack ------------------------------------------------------------------------------------------

    @contextmanager
    def stack(self) -> Iterator[None]:
        """`polyphony up` in the background for the demo's lifetime, stopped (all of it) at the end."""
        log = (self.home / "up.log").open("wb")
        process = subprocess.Popen([POLYPHONY, "up"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_healthy(process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    def _wait_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        with self.console.status("starting Redis, anvil, migrations, contracts, workers, beat and the API"):
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise DemoFailed(f"`polyphony up` stopped (exit {process.returncode}); see {self.home}/up.log")
                try:
                    if self.http.get("/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(1)
        raise DemoFailed(f"the stack was not healthy after {STARTUP_TIMEOUT_S:.0f} s; see {self.home}/up.log")

    # -- helpers the steps use -------------------------------------------------------------------------------

    def step(self, title: str) -> None:
        """Print the heading of the next step."""
        self.console.print(Rule(f"[bold]{title}"))

    def person(self, name: str) -> Path:
        """A fresh wallet for `name`: its key file (what `--key-file` takes)."""
        self.keys.mkdir(parents=True, exist_ok=True)
        account = Account.create()
        path = self.keys / f"{name}.key"
        path.write_text(account.key.hex())
        path.chmod(0o600)
        self.people[name] = account.address
        return path

    def run(self, *args: str, key: Path | None = None) -> str:
        """Run `polyphony ARGS` as a person would, show it and its output; its output, or DemoFailed."""
        command = [*args, *(["--key-file", str(key)] if key else [])]
        self.console.print(f"[dim]$ polyphony {shlex.join(_shown(command, self.home))}[/]")
        done = subprocess.run([POLYPHONY, *command], env=self.env, capture_output=True, text=True, check=False)
        output = (done.stdout + done.stderr).strip()
        if output:
            self.console.print(output, highlight=False)
        if done.returncode != 0:
            raise DemoFailed(f"`polyphony {args[0]}` exited {done.returncode}")
        return done.stdout

    def get(self, path: str) -> Any:
        """The API's JSON answer to GET `path`."""
        response = self.http.get(path)
        if response.is_error:
            raise DemoFailed(f"GET {path} answered {response.status_code}: {response.text}")
        return response.json()

    def show(self, path: str, pick: Callable[[Any], Any] | None = None) -> Any:
        """GET `path`, print (a part of) the answer, return all of it."""
        answer = self.get(path)
        self.console.print(f"[dim]$ curl {self.api}{path}[/]")
        self.console.print_json(json.dumps(pick(answer) if pick else answer))
        return answer

    def wait_for(self, what: str, ready: Callable[[], Any]) -> Any:
        """Poll `ready` until it returns something truthy; that value."""
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        with self.console.status(f"waiting for {what}"):
            while time.monotonic() < deadline:
                value = ready()
                if value:
                    return value
                time.sleep(1)
        raise DemoFailed(f"gave up waiting for {what} after {WAIT_TIMEOUT_S:.0f} s")

    def fund(self, name: str) -> None:
        """Give `name` some test ether on anvil, for the one step that pays its own gas."""
        self.web3.provider.make_request("anvil_setBalance", [self.people[name], hex(10**18)])  # type: ignore[arg-type]


def _shown(command: list[str], home: Path) -> list[str]:
    """The command as printed: paths inside the demo's folder shortened to stay readable."""
    return [arg.replace(f"{home}/", "") for arg in command]


def run_demo(keep: Path | None, console: Console) -> int:
    """Play the mission on a fresh stack; 0 when every step came out right. A temporary state folder is removed
    after a success and kept (with the logs) after a failure; a folder given with `keep` is always kept."""
    home = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="polyphony-demo-"))
    home.mkdir(parents=True, exist_ok=True)
    demo = Demo(home, console)
    try:
        with demo.stack():
            play(demo)
    except DemoFailed as failure:
        console.print(f"[red]demo:[/] {failure}. State and logs are kept in {home}")
        return 1
    console.print(Rule("[bold green]The loop is closed: data in, contributors paid, vote, verified pull, model"))
    if keep is None:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def play(demo: Demo) -> None:
    """The mission: contribute, score, anchor, reward, delegate, curate, vote, approve, pull, train, trace,
    review, pay by credibility, and vote what data is in demand."""
    files = write_demo_files(demo.home / "demo-data")
    keys = {name: demo.person(name) for name in (*files, "trainer")}
    ids = contribute_all(demo, files, keys)
    scored = watch_scoring(demo, ids)
    verify_some(demo, ids)
    pay_epoch(demo, keys, scored)
    round_number = approve_round(demo, keys, ids)
    pull_and_train(demo, keys["trainer"], round_number)
    review_samples(demo, keys, ids)
    pay_by_credibility(demo, keys)
    vote_demand(demo, keys)


def contribute_all(demo: Demo, files: dict[str, DemoFile], keys: dict[str, Path]) -> dict[str, int]:
    """Each contributor signs in, uploads a file and signs its claim; their contribution ids."""
    demo.step("1. Contributors sign in, upload real data, sign their claims")
    for name, file in files.items():
        demo.console.print(f"[bold]{name}[/] ({demo.people[name]}) contributes {file.title!r}")
        language = ["--language", file.language] if file.language else []
        demo.run(
            "contribute", str(file.path), "--title", file.title, "--license", file.license_id,
            "--modality", file.modality, *language, "--consent", "I consent to training community models on this.",
            key=keys[name],
        )  # fmt: skip
    return {name: _contribution_of(demo, demo.people[name]) for name in files}


def _contribution_of(demo: Demo, address: str) -> int:
    page = demo.get(f"/contributions?contributor={address}")
    return int(page["items"][0]["id"])


def watch_scoring(demo: Demo, ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Wait until every contribution is anchored on-chain and scored; show the scores and why."""
    demo.step("2. Claims are anchored on-chain in a Merkle batch; workers score them")

    def all_scored() -> dict[str, dict[str, Any]] | None:
        found = {name: demo.get(f"/contributions/{number}") for name, number in ids.items()}
        done = all(c["status"] == "scored" and c["verdict"] in ("pass", "fail") for c in found.values())
        return found if done else None

    scored: dict[str, dict[str, Any]] = demo.wait_for("anchoring and scoring", all_scored)
    for name, contribution in scored.items():
        demo.console.print(
            f"{name:6} #{contribution['id']:<3} {contribution['status']:9} score {contribution['score']:>5}"
            f" {contribution['verdict']:4}  {contribution['explanation']}"
        )
    demo.show(f"/contributions/{ids['eve']}", lambda c: {"near_duplicate": c["dimensions"]["near_duplicate"]})
    if scored["eve"]["verdict"] != "fail":
        raise DemoFailed(f"eve's near copy of alice's text passed: {scored['eve']['explanation']}")
    show_junk_caught(demo, ids, scored)
    return scored


def show_junk_caught(demo: Demo, ids: dict[str, int], scored: dict[str, dict[str, Any]]) -> None:
    """Grace's junk records are dropped and earn nothing; Mallory's spam fails outright."""
    grace, mallory = scored["grace"], scored["mallory"]
    dropped = demo.show(f"/contributions/{ids['grace']}/records?status=dropped")
    padding = {index for index, record in enumerate(_records(demo, ids["grace"])) if record in JUNK_RECORDS}
    if grace["verdict"] != "pass" or not padding <= {item["record"] for item in dropped["items"]}:
        raise DemoFailed(f"grace's junk records were not all dropped: {grace['explanation']}")
    demo.console.print(f"grace keeps {grace['kept_records']} of {grace['records']} records; the rest earn nothing")
    demo.show(f"/contributions/{ids['mallory']}", lambda c: {k: c[k] for k in ("score", "verdict", "explanation")})
    if mallory["verdict"] != "fail":
        raise DemoFailed(f"mallory's spam passed: {mallory['explanation']}")


def _records(demo: Demo, contribution_id: int) -> list[str]:
    cid = demo.get(f"/contributions/{contribution_id}")["cid"]
    lines = demo.http.get(f"/ipfs/{cid}").text.splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def verify_some(demo: Demo, ids: dict[str, int]) -> None:
    """An auditor checks a proof and a score without trusting the API's database."""
    demo.step("3. Anyone verifies a provenance proof and recomputes a score")
    demo.run("verify", "provenance", str(ids["alice"]))
    demo.run("verify", "score", str(ids["eve"]))


def pay_epoch(demo: Demo, keys: dict[str, Path], scored: dict[str, dict[str, Any]]) -> None:
    """Close the reward epoch, let its root activate, and have every contributor claim without gas."""
    demo.step("4. The epoch closes: the budget is split, its root goes on-chain")
    demo.run("epoch", "close")
    demo.show("/epochs/1")
    challenge = _lasting("POLYPHONY_REWARD_CHALLENGE_DELAY_S")
    demo.wait_for(f"the challenge delay ({challenge}) and the keeper to activate epoch 1's root",
                  lambda: demo.get("/epochs/1")["status"] == "active")  # fmt: skip
    demo.step("5. Contributors claim their tokens; the relayer pays the gas")
    for name in scored:
        if int(demo.get(f"/rewards/{demo.people[name]}")["claimable"]) > 0:
            demo.run("claim", key=keys[name])
    demo.show(f"/contributions/{scored['alice']['id']}", lambda c: {"reward": c["reward"]})
    demo.run("verify", "epoch", "1")


def approve_round(demo: Demo, keys: dict[str, Path], ids: dict[str, int]) -> int:
    """Holders delegate; a curator builds a dataset and proposes it; holders vote; the timelock approves it."""
    round_number = 1
    demo.step("6. Token holders delegate their votes (signed, relayed)")
    holders = _holders(demo, ids)
    for name in holders:
        demo.run("delegate", key=keys[name])
    demo.step("7. A curator builds a dataset and proposes it for round 1")
    demo.run(
        "dataset", "create", "--name", "Python reference texts", "--min-score", "1", "--language", "en",
        "--modality", "text", key=keys["alice"],
    )  # fmt: skip
    dataset = demo.get("/datasets")["items"][0]
    demo.run("propose", "--dataset", str(dataset["id"]), "--round", str(round_number),
             key=keys["alice"])  # fmt: skip
    _wait_for_the_vote_to_open(demo, number=1)
    demo.step("8. Holders vote; the keeper queues and executes the proposal")
    _vote_and_execute(demo, keys, {name: "against" if name == "frank" else "for" for name in holders}, number=1)
    demo.wait_for(f"round {round_number}'s approval to be indexed", lambda: _approved(demo, round_number))
    demo.show(f"/rounds/{round_number}")
    return round_number


def _holders(demo: Demo, names: Iterable[str]) -> list[str]:
    """Those of `names` who have claimed tokens: the ones with votes to delegate and cast."""
    return [name for name in names if int(demo.get(f"/rewards/{demo.people[name]}")["claimed"]) > 0]


def _wait_for_the_vote_to_open(demo: Demo, *, number: int) -> None:
    demo.wait_for("the proposal to be on-chain", lambda: _proposal(demo, number)["state"] != "unsubmitted")
    demo.wait_for("the vote to open (anvil's own blocks move its clock)",
                  lambda: _proposal(demo, number)["state"] == "active")  # fmt: skip


def _vote_and_execute(demo: Demo, keys: dict[str, Path], ballots: dict[str, str], *, number: int) -> None:
    """Each holder casts their ballot on proposal `number`; then the keeper queues it and executes it."""
    for name, support in ballots.items():
        demo.run("vote", str(number), support, key=keys[name])
    demo.wait_for(f"the vote ({_lasting('POLYPHONY_VOTING_PERIOD_S')}) to end and the keeper to queue it",
                  lambda: _proposal(demo, number)["state"] == "queued")  # fmt: skip
    demo.wait_for(f"the timelock delay ({_lasting('POLYPHONY_TIMELOCK_DELAY_S')}) and the keeper to execute it",
                  lambda: _proposal(demo, number)["state"] == "executed")  # fmt: skip
    demo.show(f"/proposals/{number}", lambda p: {k: p[k] for k in ("state", "votes", "quorum", "transactions")})


def _lasting(setting: str) -> str:
    """How long the demo's delay `setting` lasts, as a person reads it."""
    return f"{DEMO_SETTINGS[setting]} s"


def _proposal(demo: Demo, number: int) -> dict[str, Any]:
    found: dict[str, Any] = demo.get(f"/proposals/{number}")
    return found


def _approved(demo: Demo, round_number: int) -> bool:
    response = demo.http.get(f"/rounds/{round_number}")
    return response.status_code == 200 and bool(response.json().get("datasets"))


def pull_and_train(demo: Demo, trainer_key: Path, round_number: int) -> None:
    """A trainer pulls the approved round, verified end to end, trains, and registers the model."""
    demo.step("9. A trainer pulls round 1, verified end to end")
    out = demo.home / "round-1"
    demo.run("pull", "--round", str(round_number), "--out", str(out))
    demo.console.print("written: " + ", ".join(sorted(path.name for path in out.iterdir())))
    demo.step("10. The trainer registers the model; its lineage names everyone")
    trained = train_unigram(out, demo.home / "model.json")
    perplexity = "n/a" if trained.perplexity is None else f"{trained.perplexity:,.1f}"
    demo.console.print(
        f"trained a unigram language model on {trained.trained_rows} rows of the pulled text (read with Hugging "
        f"Face datasets); held-out perplexity {perplexity} on {trained.held_out_rows} rows"
    )
    model = publish(trained.path, settings=Settings(polyphony_home=demo.home))
    demo.console.print(f"published the model as {model}")
    demo.fund("trainer")
    demo.run("model", "register", "--round", str(round_number), "--cid", model, key=trainer_key)
    models = demo.get("/models")
    demo.show(f"/models/{models['items'][0]['id']}/lineage")


REVIEWERS = ("alice", "bob", "carol", "dave")  # holders with delegated votes from epoch 1


def review_samples(demo: Demo, keys: dict[str, Path], ids: dict[str, int]) -> None:
    """Holders opt in and review what the chain's seed sampled; grace's copied license text is rejected."""
    demo.step("11. Holders opt in to review; every sampled document gets three signed reviews")
    demo.console.print(
        "each anchored batch was sampled with the hash of the block after its anchoring: 2 % of its kept "
        "documents, and one of every contributor's; nobody knew which when uploading"
    )
    for name in REVIEWERS:
        demo.run("review", "opt-in", key=keys[name])
    clients = {name: _signed_in(demo, keys[name]) for name in REVIEWERS}
    # Each document is assigned once three reviewers other than its contributor are eligible: wait for all of them.
    demo.wait_for("the beat to assign three reviewers to each sampled document",
                  lambda: _every_sample_assigned(clients[REVIEWERS[0]]))  # fmt: skip
    demo.run("review", "next", key=keys[REVIEWERS[0]])
    for name, client in clients.items():
        while (task := _next_review(client)) is not None:
            sample = str(task["sample_id"])
            if task["contribution_id"] == ids["grace"]:  # the Python license, copied: the gates cannot tell
                demo.run("review", "reject", sample, "--reason", "copied", key=keys[name])
            else:
                demo.run("review", "accept", sample, key=keys[name])
    reviews = demo.show(f"/contributions/{ids['grace']}/reviews",
                        lambda page: [{k: s[k] for k in ("record", "outcome")} for s in page["items"]])  # fmt: skip
    if not reviews["items"] or any(sample["outcome"] != "rejected" for sample in reviews["items"]):
        raise DemoFailed("grace's sampled records were not rejected by a majority of their reviewers")
    demo.wait_for("the reviews to be anchored on-chain (kind 2)", lambda: _reviews_anchored(demo, ids["grace"]))


def _signed_in(demo: Demo, key: Path) -> PolyphonyClient:
    client = PolyphonyClient(demo.api, Account.from_key(key.read_text().strip()), timeout_s=60)
    client.sign_in()
    return client


def _every_sample_assigned(client: PolyphonyClient) -> bool:
    answer: dict[str, Any] = client.call("GET", "/reviews/next")
    return answer["review"] is not None and answer["queue"]["unassigned"] == 0


def _next_review(client: PolyphonyClient) -> dict[str, Any] | None:
    task: dict[str, Any] | None = client.call("GET", "/reviews/next")["review"]
    return task


def _reviews_anchored(demo: Demo, contribution_id: int) -> bool:
    samples = demo.get(f"/contributions/{contribution_id}/reviews")["items"]
    return all(review["anchoring"] for sample in samples for review in sample["reviews"])


def pay_by_credibility(demo: Demo, keys: dict[str, Path]) -> None:
    """Grace uploads more copied text (Python's reference for textwrap); epoch 2 pays it at her halved
    credibility, and pays the reviewers their share."""
    demo.step("12. Epoch 2 pays by credibility: a rejection lowers every epoch from the one it lands in")
    latest = _contribute_and_score(demo, copied_reference(demo.home / "demo-data"), "grace", keys)
    demo.run("demand", "show")
    demo.run("epoch", "close")
    report = _report(demo, 2)
    graces = next(entry for entry in report["contributions"] if entry["contribution_id"] == latest)
    demo.console.print_json(json.dumps({
        "grace's credibility_bps": graces["credibility_bps"],
        "her multiplier_bps": graces["terms"]["credibility_multiplier_bps"], "her amount": graces["amount"],
        "reviewers": [{k: r[k] for k in ("account", "reviews", "agreed", "amount")} for r in report["reviewers"]],
    }))  # fmt: skip
    if graces["credibility_bps"] >= 10_000 or graces["terms"]["credibility_multiplier_bps"] >= 10_000:
        raise DemoFailed("epoch 2 did not pay grace by her credibility: her rejected sample did not lower it")
    if not report["reviewers"] or not any(int(reviewer["amount"]) for reviewer in report["reviewers"]):
        raise DemoFailed("epoch 2 paid the reviewers nothing")


DEMANDED_TABLES_BPS = 20_000


def vote_demand(demo: Demo, keys: dict[str, Path]) -> None:
    """Holders vote that tables are in demand (2x); epoch 3 pays frank's next table by it, as its report says."""
    demo.step("13. Holders vote that tables are in demand: 2x from the next epoch")
    proposed = demo.run("demand", "propose", "--modality", "tabular", "--bps", str(DEMANDED_TABLES_BPS),
                        key=keys["alice"])  # fmt: skip
    number = int(re.search(r"\(number (\d+)\)", proposed).group(1))  # type: ignore[union-attr]
    _wait_for_the_vote_to_open(demo, number=number)
    _vote_and_execute(demo, keys, dict.fromkeys(_holders(demo, keys), "for"), number=number)
    demo.run("demand", "show")
    latest = _contribute_and_score(demo, second_table(demo.home / "demo-data"), "frank", keys)
    demo.wait_for("the keeper to activate epoch 2's root", lambda: demo.get("/epochs/2")["status"] == "active")
    demo.run("epoch", "close")
    report = _report(demo, 3)
    table = next(entry for entry in report["contributions"] if entry["contribution_id"] == latest)
    demo.console.print_json(json.dumps({
        "demand in force at epoch 3's end": report["demand"],
        "frank's table": {k: table["terms"][k] for k in ("demand_bps", "diversity_bps", "demand_diversity_bps",
                                                          "weight")},
        "its amount": table["amount"],
    }))  # fmt: skip
    if table["terms"]["demand_bps"] != DEMANDED_TABLES_BPS:
        raise DemoFailed(f"epoch 3 paid frank's table at demand {table['terms']['demand_bps']} bps, not the vote's")


def _contribute_and_score(demo: Demo, file: DemoFile, name: str, keys: dict[str, Path]) -> int:
    """`name` uploads `file` and claims it; its id once it is anchored and scored."""
    demo.run(
        "contribute", str(file.path), "--title", file.title, "--license", file.license_id, "--modality",
        file.modality, "--language", file.language, "--consent", "I consent to training community models on this.",
        key=keys[name],
    )  # fmt: skip
    latest = _contribution_of(demo, demo.people[name])
    demo.wait_for(f"{name}'s new upload to be anchored and scored",
                  lambda: demo.get(f"/contributions/{latest}")["status"] == "scored")  # fmt: skip
    return latest


def _report(demo: Demo, number: int) -> dict[str, Any]:
    """Epoch `number`'s pinned report, read from IPFS through the API."""
    report: dict[str, Any] = json.loads(demo.http.get(f"/ipfs/{demo.get(f'/epochs/{number}')['report_cid']}").content)
    return report


def publish(model: Path, *, settings: Settings) -> str:
    """Put the model file in storage; its CID (what the registration names)."""
    with model.open("rb") as stream:
        return storage_from_settings(settings).add(stream).cid
