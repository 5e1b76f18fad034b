"""Reward epochs at scale: bench/out/rewards.json.

Runs alone (`python bench/rewards.py`) in a private state folder:
- epoch_close_s_100k: closing an epoch of 100,000 scored contributions from 10,000 contributors, in-process
  against a real SQLite database and the local CID store: reading the scores, the formula, the tree, the
  canonical report pinned, and every reward and balance row written (rows are inserted before the clock starts).
- tree_build_s_1m: the distributor's tree over 1,000,000 (account, token, cumulative) leaves.
- claim_gas_first / claim_gas_repeat: a claim's gas on a fresh anvil with the deployed contracts (bench/gas.py's
  setup: 1,024 accounts, 10-node proofs), sent by the relayer key.
- relayed_claims_per_s: claims sent one after another through the relayer path (the transaction sender with
  its intent rows), on anvil with automining.
Goals (issue 7): each time under 60 s; a claim at most 85k gas the first time and 60k after.
"""

import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from eth_account import Account

# Run as a script, this folder is first on the path: the gas benchmark's anvil setup is shared, not copied.
from gas import Chain, activate_rewards, deploy, relayed_claim, seeded_address, use_private_state
from rich.console import Console
from sqlalchemy import insert

from chain.bindings import DeployedContract, Deployment
from cli.stack import Stack, anvil_part, redis_part
from governance.rewards.epochs import EpochPolicy, close_epoch
from governance.rewards.report import reward_tree
from polyphony.clock import utcnow
from polyphony.db import get_engine, session_scope
from polyphony.migrations import upgrade_to_head
from polyphony.models.contribution import Contribution
from polyphony.models.score import ContributionScore
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings

OUT = Path(__file__).resolve().parent / "out" / "rewards.json"
CONTRIBUTIONS = 100_000
CONTRIBUTORS = 10_000
TREE_LEAVES = 1_000_000
RELAYED_CLAIMS = 100
TOKEN = 10**18
LANGUAGES = ["en", "fr", "sw", "yo", "hi", "es", "ar", "zh"]


def seed_scores(count: int, contributors: int) -> None:
    """`count` anchored, scored contributions spread over `contributors` addresses, inserted in bulk."""
    generator = random.Random(7)  # noqa: S311 (seeded sample data, not a secret)
    people = [seeded_address(f"contributor {i}") for i in range(contributors)]
    scored_at = utcnow() - timedelta(minutes=1)
    contributions = [
        {"id": i + 1, "contributor": people[i % contributors], "status": "anchored", "sha256": f"{i:064x}",
         "cid": f"bafkrei{i:052d}", "size": generator.randint(100, 4 << 20), "filename": "f.jsonl",
         "content_format": "jsonl", "modality": "text", "title": "t", "description": "", "license": "CC-BY-4.0",
         "language": generator.choice(LANGUAGES), "consent_text": "yes", "consent_sha256": "00" * 32,
         "content_report": {}, "created_at": scored_at, "updated_at": scored_at}
        for i in range(count)
    ]  # fmt: skip
    scores = [
        {"contribution_id": i + 1, "policy_hash": "0x" + "11" * 32, "verdict": "pass" if i % 10 else "fail",
         "score": generator.randint(0, 10_000), "dimensions": {}, "language": contributions[i]["language"],
         "duplicate_of": 1 if i % 50 == 49 else None, "scored_at": scored_at}
        for i in range(count)
    ]  # fmt: skip
    with session_scope() as session:
        session.execute(insert(Contribution), contributions)
        session.execute(insert(ContributionScore), scores)


def epoch_close() -> dict[str, float]:
    """Seed the scores, then time one close of them all."""
    upgrade_to_head(get_engine())
    seed_scores(CONTRIBUTIONS, CONTRIBUTORS)
    addresses = {name: DeployedContract(seeded_address(name), 0) for name in ("token", "rewardsDistributor")}
    deployment = Deployment(31337, addresses)
    policy = EpochPolicy(length_s=604_800, budget=1_000_000 * TOKEN, contributor_cap=10_000 * TOKEN)
    storage = storage_from_settings(get_settings())
    started = time.perf_counter()
    epoch = close_epoch(cutoff=utcnow(), policy=policy, deployment=deployment, storage=storage)
    elapsed = time.perf_counter() - started
    assert epoch is not None and epoch.contribution_count == CONTRIBUTIONS
    report_bytes = sum(len(chunk) for chunk in storage.cat(epoch.report_cid))
    return {"epoch_close_s_100k": round(elapsed, 2), "epoch_report_bytes_100k": report_bytes,
            "epoch_accounts_100k": epoch.account_count}  # fmt: skip


def tree_build() -> dict[str, float]:
    """The distributor's tree over a million cumulative amounts."""
    token = seeded_address("token")
    cumulative = {"0x" + i.to_bytes(20, "big").hex(): (i + 1) * TOKEN for i in range(1, TREE_LEAVES + 1)}
    started = time.perf_counter()
    tree = reward_tree(cumulative, token=token)
    elapsed = time.perf_counter() - started
    assert len(tree) == TREE_LEAVES
    return {"tree_build_s_1m": round(elapsed, 2)}


def claims(chain: Chain) -> dict[str, float]:
    """First and repeat claim gas, then relayed claims one after another through the relayer's sender."""
    holder = Account.from_key(bytes(range(1, 33)))
    fresh = [seeded_address(f"claimant {i}") for i in range(RELAYED_CLAIMS)]
    cumulative = {seeded_address(f"account {i}"): TOKEN for i in range(1_024 - 1 - RELAYED_CLAIMS)}
    cumulative |= {address: TOKEN for address in fresh} | {holder.address: 1_000 * TOKEN}
    tree = activate_rewards(chain, cumulative)
    first = relayed_claim(chain, tree, account=holder.address, intent="rewards:first")
    started = time.perf_counter()
    for index, address in enumerate(fresh):
        relayed_claim(chain, tree, account=address, intent=f"rewards:relayed:{index}")
    per_s = RELAYED_CLAIMS / (time.perf_counter() - started)
    cumulative[holder.address] += 500 * TOKEN
    repeat = relayed_claim(chain, activate_rewards(chain, cumulative), account=holder.address, intent="rewards:again")
    return {"claim_gas_first": first, "claim_gas_repeat": repeat, "relayed_claims_per_s": round(per_s, 1)}


def main() -> None:
    """Measure everything in a private state folder and anvil; write bench/out/rewards.json."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-rewards-") as home:
        use_private_state(Path(home))
        stack = Stack(get_settings(), Console(quiet=True))
        try:
            # A real broker: closing hands the root's proposal to the chain queue after its commit.
            stack.start(redis_part(get_settings()))
            figures: dict[str, Any] = epoch_close()
            figures |= tree_build()
            stack.start(anvil_part(get_settings()))
            figures |= claims(deploy())
        finally:
            stack.stop_all()
            get_engine().dispose()
    figures |= {"anchor": "uniswap_merkle_distributor_claim_gas", "uniswap_merkle_distributor_claim_gas": 81_970,
                "ratio": round(figures["claim_gas_first"] / 81_970, 4)}  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    json.dump(figures, sys.stdout, indent=2)
    print("\nwritten bench/out/rewards.json")


if __name__ == "__main__":
    main()
