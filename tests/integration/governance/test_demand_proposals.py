"""Demand set by vote, through the real API, relayer, keeper and governor on anvil.

A demand proposal's changes are calls of the timelock on the demand registry: nothing changes until the vote
passed, was queued and executed, and `chain/demand.py` then reads the new multipliers for any time after the
execution and the old ones for any time before it, which is what an epoch ending at that time pays by.
Each test uses values (languages, topics) of its own, so no other test's demand moves.
"""

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from chain.bindings import call_of
from chain.demand import Multiplier, demand_at, demand_bps
from cli.client import ClientError
from governance.proposals.demand import DemandChanges, demand_actions
from governance.rewards.epochs import gather
from governance.rewards.report import compute
from polyphony.db import session_scope
from tests.integration.chain.governance_fixtures import chain_now, send_as
from tests.integration.governance.conftest import Governance
from tests.integration.governance.test_direct_proposals import _index_on_the_worker, _listed, _propose
from tests.integration.rewards.conftest import POLICY, make_contribution, make_score, new_address


def _unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


def _demand_of(governance: Governance) -> dict[str, Any]:
    demand: dict[str, Any] = governance.api.call("GET", "/demand")
    return demand


def test_a_demand_vote_changes_the_multipliers_in_force_from_its_execution_on(governance: Governance) -> None:
    supply = governance.supply()
    alice = governance.holders({"alice": 3 * supply + 10**21})["alice"]
    proposer = governance.curator()
    language, topic = _unique("x"), _unique("topic")
    body = {
        "add_topics": [topic],
        "set": [
            {"dimension": "language", "value": language.upper(), "bps": 15_000},  # kept as the formula reads it
            {"dimension": "topic", "value": topic, "bps": 12_000, "not_after": chain_now(governance.web3) + 10**6},
        ],
    }
    created = proposer.call("POST", "/proposals/demand", json=body)
    assert (created["kind"], created["curator"], created["relayed"]) == ("demand", proposer.wallet.address, True)
    assert [action["says"] for action in created["actions"]][:2] == [
        f"Add the topic {topic!r}",
        f"Set the language multiplier for {language!r} to 1.5x (15000 bps)",
    ]
    assert created["action"] is None  # three calls: `actions` is what propose takes
    proposal = governance.until(lambda: governance.proposal(created["id"]), lambda p: p["state"] != "unsubmitted")
    assert proposal["state"] == "pending"

    governance.open_voting()
    assert governance.relay_vote(alice, proposal["id"], "for")["status"] == "mined"
    governance.close_voting()
    assert governance.keep(proposal["id"]) == ["queue"]
    assert topic not in _demand_of(governance)["topics"]  # queued is not executed
    governance.wait_timelock()
    assert governance.keep(proposal["id"]) == ["execute"]
    after = chain_now(governance.web3)  # the execution's block
    before = after - 1  # an epoch that ended the second before (blocks may share a second: all of it counts)
    assert governance.proposal(proposal["id"])["state"] == "executed"

    shown = _demand_of(governance)
    assert topic in shown["topics"]
    mine = {m["value"]: m for m in shown["multipliers"] if m["value"] in (language, topic)}
    assert mine[language] == {"dimension": "language", "value": language, "bps": 15_000, "not_before": 0,
                              "not_after": 0, "in_force": True}  # fmt: skip
    assert mine[topic]["in_force"] and mine[topic]["bps"] == 12_000

    old, new = (demand_at(governance.web3, governance.deployment, at=at) for at in (before, after))
    contribution = {"language": language, "modality": "text", "license": "CC-BY-4.0", "topic": topic}
    assert demand_bps(old, **contribution) == 10_000  # an epoch that ended before the execution: no demand
    assert demand_bps(new, **contribution) == 18_000  # 1.5x for the language, 1.2x for the topic
    assert Multiplier("language", language, 15_000) in new.multipliers and new.block_number > old.block_number


def test_a_demand_proposal_made_on_the_governor_directly_is_of_kind_demand(governance: Governance) -> None:
    supply = governance.supply()
    alice = governance.holders({"alice": supply + 10**21})["alice"]
    changes = DemandChanges(set=(Multiplier("modality", "image", 20_000, 0, 2_000_000_000),))
    [action] = demand_actions(governance.web3, governance.deployment, changes)
    proposal_id = _propose(governance, alice, [(action.target, 0, action.calldata)], f"# Images ({_unique('n')})")
    _index_on_the_worker()
    listed = _listed(governance, proposal_id)
    assert (listed["kind"], listed["origin"]) == ("demand", "direct")
    assert listed["actions"][0]["says"] == (
        "Set the modality multiplier for 'image' to 2x (20000 bps) until 2033-05-18T03:33:20+00:00"
    )
    transfer = call_of(governance.token, "transfer", alice.address, 0).data
    mixed = _propose(governance, alice, [(action.target, 0, action.calldata), (governance.token.address, 0, transfer)],
                     f"# Images and a transfer ({_unique('n')})")  # fmt: skip
    _index_on_the_worker()
    assert _listed(governance, mixed)["kind"] == "other"  # not every action sets demand


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "changes something"),
        ({"set": [{"dimension": "language", "value": "fr", "bps": 30_001}]}, "5000 to 30000 bps"),
        ({"set": [{"dimension": "language", "value": "fr", "bps": 4_000}]}, "5000 to 30000 bps"),
        ({"set": [{"dimension": "topic", "value": "never-listed", "bps": 15_000}]}, "not on the topic list"),
        ({"set": [{"dimension": "modality", "value": "video", "bps": 15_000}]}, "not a modality"),
        ({"set": [{"dimension": "language", "value": "fr", "bps": 15_000, "not_before": 9, "not_after": 9}]},
         "window ends"),
        ({"clear": [{"dimension": "license", "value": "never-set"}]}, "no license multiplier"),
        ({"remove_topics": ["never-listed"]}, "not on the list"),
        ({"review": {"reviewer_min_votes": "1", "reviewer_share_bps": 2_001, "credibility_floor_bps": 5_000,
                     "credibility_ceiling_bps": 15_000}}, "at most 2000 bps"),
        ({"review": {"reviewer_min_votes": "1", "reviewer_share_bps": 100, "credibility_floor_bps": 5_000,
                     "credibility_ceiling_bps": 20_001}}, "ceiling"),
    ],
)  # fmt: skip
def test_a_demand_change_the_registry_would_refuse_is_a_400_naming_it(
    governance: Governance, body: dict[str, Any], says: str
) -> None:
    proposer = governance.curator()
    with pytest.raises(ClientError) as refused:
        proposer.call("POST", "/proposals/demand", json=body)
    assert (refused.value.status, refused.value.code) == (400, "invalid_demand")
    assert says in refused.value.message


def test_a_license_multiplier_names_the_canonical_spdx_id(governance: Governance) -> None:
    proposer = governance.curator()
    created = proposer.call("POST", "/proposals/demand", json={
        "set": [{"dimension": "license", "value": "cc-by-4.0", "bps": 11_000}], "relay": False,
    })  # fmt: skip
    assert created["relayed"] is False and created["actions"][0]["args"]["value"] == "CC-BY-4.0"
    with pytest.raises(ClientError) as refused:
        proposer.call("POST", "/proposals/demand", json={"set": [{"dimension": "license", "value": "nope-1.0",
                                                                  "bps": 11_000}]})  # fmt: skip
    assert refused.value.status == 400


def test_a_proposal_sent_from_the_proposers_wallet_is_the_one_recorded(governance: Governance) -> None:
    supply = governance.supply()
    holder = governance.holders({"holder": supply + 10**21})["holder"]
    proposer = governance.curator()
    created = proposer.call("POST", "/proposals/demand", json={"add_topics": [_unique("t")], "relay": False})
    [action] = created["actions"]
    calldata = bytes.fromhex(action["calldata"][2:])
    propose = call_of(governance.governor, "propose", [action["target"]], [0], [calldata], created["description"])
    send_as(governance.web3, holder, propose)
    assert governance.proposal(created["id"])["state"] == "pending"


def test_a_review_parameters_proposal_is_one_setter_call_said_in_words(governance: Governance) -> None:
    proposer = governance.curator()
    review = {"reviewer_min_votes": str(25 * 10**18), "reviewer_share_bps": 1_500, "credibility_floor_bps": 2_500,
              "credibility_ceiling_bps": 12_500}  # fmt: skip
    created = proposer.call("POST", "/proposals/demand", json={"review": review, "relay": False})
    [action] = created["actions"]
    assert (action["contract"], action["function"]) == (
        "demandRegistry",
        "setReviewParams(uint256,uint16,uint16,uint16)",
    )
    assert action["args"] == {"reviewerMinVotes": str(25 * 10**18), "reviewerShareBps": "1500",
                              "credibilityFloorBps": "2500", "credibilityCeilingBps": "12500"}  # fmt: skip
    assert action["says"] == (
        "Set review: reviewers need 25 PLY of votes, get 1500 bps of the budget; credibility from 0.25x to 1.25x"
    )
    assert created["description"].startswith("# Change demand (1 change)\n")
    assert f"Proposed by {proposer.wallet.address} at " in created["description"]


def test_a_demand_vote_changes_the_next_epochs_payouts_as_its_report_says(governance: Governance) -> None:
    supply = governance.supply()
    alice = governance.holders({"alice": 3 * supply + 10**21})["alice"]
    language = _unique("y")
    created = governance.curator().call(
        "POST", "/proposals/demand", json={"set": [{"dimension": "language", "value": language, "bps": 15_000}]}
    )
    proposal = governance.until(lambda: governance.proposal(created["id"]), lambda p: p["state"] != "unsubmitted")
    governance.open_voting()
    assert governance.relay_vote(alice, proposal["id"], "for")["status"] == "mined"
    governance.close_voting()
    assert governance.keep(proposal["id"]) == ["queue"]
    governance.wait_timelock()
    assert governance.keep(proposal["id"]) == ["execute"]
    executed = chain_now(governance.web3)

    with session_scope() as session:
        wanted = make_contribution(session, contributor=new_address(), language=language)
        plain = make_contribution(session, contributor=new_address(), language="en")
        for contribution in (wanted, plain):
            make_score(session, contribution)
        ids = (wanted.id, plain.id)
    # The epoch ends after the execution (on the chain's clock, which the governance tests move ahead).
    cutoff = datetime.fromtimestamp(max(executed, int(time.time())) + 1, UTC)
    report = _epoch_report(governance, cutoff=cutoff, demand_at_s=int(cutoff.timestamp()))
    listed = {entry["contribution_id"]: entry for entry in report["contributions"] if entry["contribution_id"] in ids}
    assert (listed[ids[0]]["demand_bps"], listed[ids[1]]["demand_bps"]) == (15_000, 10_000)
    assert {"dimension": "language", "value": language, "bps": 15_000, "not_before": 0, "not_after": 0} in report[
        "demand"
    ]["multipliers"]
    for entry in listed.values():  # each amount is its weight's share, exactly as the report's terms say
        terms = entry["terms"]
        assert terms["demand_diversity_bps"] == min(terms["diversity_bps"] * entry["demand_bps"] // 10_000, 40_000)
    weights = {cid: int(entry["terms"]["weight"]) for cid, entry in listed.items()}
    amounts = {cid: int(entry["amount"]) for cid, entry in listed.items()}
    assert (
        weights[ids[0]] * 10_000 // weights[ids[1]]
        == listed[ids[0]]["terms"]["demand_diversity_bps"] * 10_000 // (listed[ids[1]]["terms"]["demand_diversity_bps"])
    )
    assert abs(amounts[ids[0]] * weights[ids[1]] - amounts[ids[1]] * weights[ids[0]]) <= weights[ids[0]]

    # An epoch that ended the second before the execution pays by the demand before it: none for this language.
    earlier = _epoch_report(governance, cutoff=cutoff, demand_at_s=executed - 1)
    assert next(e for e in earlier["contributions"] if e["contribution_id"] == ids[0])["demand_bps"] == 10_000


def _epoch_report(governance: Governance, *, cutoff: datetime, demand_at_s: int) -> dict[str, Any]:
    """The report the next epoch would pin, closed at `cutoff` with the demand in force at `demand_at_s`."""
    demand = demand_at(governance.web3, governance.deployment, at=demand_at_s)
    with session_scope() as session:
        inputs = gather(session, cutoff=cutoff, policy=POLICY, deployment=governance.deployment, demand=demand)
    document: dict[str, Any] = json.loads(compute(inputs).report)
    return document
