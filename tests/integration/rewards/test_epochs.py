"""Epochs end to end on anvil: close, propose (chain worker), challenge delay, activate (keeper), claim."""

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select
from web3 import Web3

from chain.bindings import Deployment
from chain.merkle import verify
from governance.rewards.epochs import EpochPolicy, close_due_epoch
from governance.rewards.formula import BYTES_PER_WORD, FORMULA_VERSION
from governance.rewards.report import REWARD_LEAF, compute, cumulative_of, inputs_from_report
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.epoch import Epoch, EpochBalance, EpochReward, EpochStatus
from polyphony.models.score import ContributionScore, Verdict
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.integration.rewards.conftest import (
    POLICY,
    as_timelock,
    new_address,
    run_task,
    scored,
    scored_upload,
    tombstone,
    wait_for_status,
)
from tests.support.scored_uploads import JUNK, jsonl, prose


def _rewards_of(number: int) -> dict[int, int]:
    with session_scope() as session:
        epoch = session.exec(select(Epoch).where(Epoch.number == number)).one()
        rows = session.exec(select(EpochReward).where(EpochReward.epoch_id == epoch.id))
        return {row.contribution_id: int(row.amount) for row in rows}


def _cumulative(number: int, account: str) -> int:
    with session_scope() as session:
        epoch = session.exec(select(Epoch).where(Epoch.number == number)).one()
        balance = session.get(EpochBalance, (epoch.id, account))
        return int(balance.cumulative) if balance else 0


def _report(settings: Settings, number: int) -> dict[str, Any]:
    with session_scope() as session:
        cid = session.exec(select(Epoch.report_cid).where(Epoch.number == number)).one()
    return json.loads(b"".join(storage_from_settings(settings).cat(cid)))  # type: ignore[no-any-return]


def test_an_epoch_pays_by_the_formula_pins_its_report_and_its_root_goes_active(
    close: Any, activate: Any, api: TestClient, settings: Settings, rewards_stack: Deployment, web3: Web3
) -> None:
    alice, bob = new_address(), new_address()
    good, copy = scored(alice, score=9_000), scored(bob, score=9_000)
    with session_scope() as session:
        session.exec(
            select(ContributionScore).where(ContributionScore.contribution_id == copy)
        ).one().duplicate_of = good
    epoch = close()
    assert epoch is not None
    activate(epoch.number)

    rewards = _rewards_of(epoch.number)
    assert rewards[good] > 0 and rewards[copy] == 0
    report = _report(settings, epoch.number)
    assert (
        report["root"]
        == epoch.root
        == "0x" + bytes(rewards_stack.bind(web3, "rewardsDistributor").functions.root().call()).hex()
    )
    base = cumulative_of(_report(settings, report["previous"]["epoch"])) if report["previous"] else {}
    assert compute(inputs_from_report(report, base=base)).report == b"".join(
        storage_from_settings(settings).cat(epoch.report_cid)
    )
    shown = api.get(f"/epochs/{epoch.number}").json()
    assert (shown["report_cid"], shown["status"], shown["root"]) == (epoch.report_cid, "active", epoch.root)
    reward = api.get(f"/contributions/{good}").json()["reward"]
    assert reward["epoch"] == epoch.number and int(reward["amount"]) == rewards[good]
    assert reward["terms"]["score"] == 9_000 and reward["terms"]["duplicate_share_bps"] == 10_000

    standing = api.get(f"/rewards/{alice}").json()
    assert standing["epoch"] == epoch.number and int(standing["claimable"]) == rewards[good]
    token = rewards_stack.contracts["token"].address
    assert _verifies(standing, token=token, root=epoch.root)


def _verifies(standing: dict[str, Any], *, token: str, root: str) -> bool:
    value = [standing["account"], token, int(standing["cumulative"])]
    return verify(root, leaf_encoding=REWARD_LEAF, value=value, proof=standing["proof"])


def test_only_kept_words_earn_so_junk_padding_adds_nothing_and_the_report_lists_the_counts(
    close: Any, activate: Any, api: TestClient, settings: Settings
) -> None:
    clean_by, padded_by, whole_by = new_address(), new_address(), new_address()
    good = prose(8)
    clean = scored_upload(clean_by, jsonl(good))
    padded = scored_upload(padded_by, jsonl([*good[:4], JUNK, JUNK, *good[4:], JUNK, JUNK]))
    whole = scored(whole_by, score=8_000)  # scored as a whole (no documents section): its bytes count as words
    epoch = close()
    assert epoch is not None and epoch.formula_version == FORMULA_VERSION
    activate(epoch.number)

    report = _report(settings, epoch.number)
    assert report["formula"]["version"] == FORMULA_VERSION
    listed = {entry["contribution_id"]: entry for entry in report["contributions"]}
    counts = {cid: (listed[cid]["records"], listed[cid]["kept_records"]) for cid in (clean, padded)}
    assert counts == {clean: (8, 8), padded: (12, 8)}
    assert listed[padded]["kept_words"] == listed[clean]["kept_words"] > 0
    assert listed[padded]["terms"]["size"] == listed[clean]["terms"]["size"] == listed[clean]["kept_words"]
    assert listed[padded]["size"] > listed[clean]["size"]  # more bytes, no more size: the junk earns nothing
    rewards = _rewards_of(epoch.number)
    assert 0 < rewards[padded] < rewards[clean]  # the same kept words at a lower score (its kept share)
    assert (listed[whole]["kept_words"], listed[whole]["terms"]["size"]) == (None, 4_096 // BYTES_PER_WORD)
    shown = api.get(f"/contributions/{padded}").json()["reward"]
    assert (shown["formula_version"], shown["inputs"]["kept_words"]) == (FORMULA_VERSION, listed[padded]["kept_words"])


def test_a_second_close_of_the_same_epoch_does_nothing(close: Any, activate: Any, settings: Settings,
                                                      rewards_stack: Deployment) -> None:  # fmt: skip
    scored(new_address())
    later = utcnow().replace(year=utcnow().year + 1)
    storage = storage_from_settings(settings)
    policy = EpochPolicy(length_s=POLICY.length_s, budget=POLICY.budget, contributor_cap=POLICY.contributor_cap)
    first = close_due_epoch(now=later, policy=policy, deployment=rewards_stack, storage=storage)
    assert first is not None
    assert close_due_epoch(now=later, policy=policy, deployment=rewards_stack, storage=storage) is None
    activate(first.number)
    assert close_due_epoch(now=later, policy=policy, deployment=rewards_stack, storage=storage) is None
    assert close() is None  # nothing new was scored: no empty epoch either
    with session_scope() as session:
        assert len(session.exec(select(Epoch).where(Epoch.number == first.number)).all()) == 1


def test_cumulative_amounts_never_decrease_and_a_no_verdict_is_paid_later_not_zero(close: Any, activate: Any) -> None:
    carol = new_address()
    paid_now = scored(carol, score=5_000)
    waiting = scored(carol, verdict=Verdict.NO_VERDICT, score=None)
    first = close()
    assert first is not None
    activate(first.number)
    assert paid_now in _rewards_of(first.number) and waiting not in _rewards_of(first.number)
    before = _cumulative(first.number, carol)

    with session_scope() as session:
        row = session.exec(select(ContributionScore).where(ContributionScore.contribution_id == waiting)).one()
        row.verdict, row.score, row.scored_at = Verdict.PASS, 5_000, utcnow()
        session.add(row)
    second = close()
    assert second is not None
    activate(second.number)
    assert _rewards_of(second.number)[waiting] > 0
    assert paid_now not in _rewards_of(second.number)
    assert _cumulative(second.number, carol) == before + _rewards_of(second.number)[waiting]


def test_a_tombstoned_contribution_stops_earning_from_the_next_epoch(close: Any, activate: Any) -> None:
    dave = new_address()
    kept, withdrawn = scored(dave), scored(dave)
    tombstone(withdrawn)
    epoch = close()
    assert epoch is not None
    activate(epoch.number)
    assert _rewards_of(epoch.number)[kept] > 0 and withdrawn not in _rewards_of(epoch.number)


def _status(api: TestClient, contribution_id: int) -> str:
    status: str = api.get(f"/contributions/{contribution_id}").json()["status"]
    return status


def test_a_revoked_root_pays_nothing_and_the_next_epoch_recomputes_from_the_last_active(
    close: Any, activate: Any, api: TestClient, rewards_stack: Deployment, web3: Web3
) -> None:
    erin = new_address()
    first_id = scored(erin)
    first = close()
    assert first is not None
    activate(first.number)
    paid = _cumulative(first.number, erin)

    second_id = scored(erin)
    assert _status(api, first_id) == "rewarded" and _status(api, second_id) == "scored"
    revoked = close()
    assert revoked is not None
    wait_for_status(revoked.number, EpochStatus.PROPOSED)
    shown = api.get(f"/contributions/{second_id}").json()
    assert shown["status"] == "rewarded"
    [step] = [step for step in shown["timeline"] if step["step"] == "rewarded"]
    assert step["details"] == {"epoch": revoked.number, "amount": shown["reward"]["amount"]}
    as_timelock(web3, rewards_stack, "revokeRoot")
    run_task("chain.index_events")
    run_task("rewards.keep_epochs")
    assert wait_for_status(revoked.number, EpochStatus.REVOKED) == EpochStatus.REVOKED
    standing = api.get(f"/rewards/{erin}").json()
    assert (standing["epoch"], int(standing["cumulative"])) == (first.number, paid)
    assert api.get(f"/contributions/{second_id}").json()["reward"] is None
    assert _status(api, second_id) == "scored"  # its epoch was revoked: a later one pays it

    recomputed = close()
    assert recomputed is not None and recomputed.base_epoch == first.number
    assert _status(api, second_id) == "rewarded"
    activate(recomputed.number)
    assert second_id in _rewards_of(recomputed.number) and first_id not in _rewards_of(recomputed.number)
    assert _cumulative(recomputed.number, erin) == paid + _rewards_of(recomputed.number)[second_id]
