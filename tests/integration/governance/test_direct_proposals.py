"""Proposals and votes made on the governor directly, with plain web3 calls as Tally or a script makes them.

Nothing here goes through the API but the reads: holders propose and vote from their own wallets on anvil, the
chain worker's indexing task finds the events, and `GET /proposals` lists each proposal with its actions decoded,
its kind, and the votes counted whoever sent them. The keeper leaves such proposals to their proposer.
"""

from typing import Any

from celery.result import AsyncResult
from eth_account import Account
from web3 import Web3

from chain.bindings import call_of
from polyphony.queue import get_celery
from tests.integration.chain.governance_fixtures import send_as
from tests.integration.governance.conftest import WAIT_S, Governance, new_round
from tests.integration.governance.test_bad_input import _refusal

A_LOT_OF_WEI = 10**20  # past 2**53: a JSON number would round it


def _propose(governance: Governance, proposer: Any, actions: list[tuple[str, int, bytes]], description: str) -> str:
    """Send `propose` from `proposer`'s own wallet; the proposal id as the governor computes it."""
    targets, values, calldatas = (list(column) for column in zip(*actions, strict=True))
    send_as(governance.web3, proposer, call_of(governance.governor, "propose", targets, values, calldatas, description))
    digest = Web3.keccak(text=description)
    return str(governance.governor.functions.hashProposal(targets, values, calldatas, digest).call())


def _index_on_the_worker() -> None:
    result: AsyncResult[int] = get_celery().send_task("chain.index_events")
    result.get(timeout=WAIT_S)


def _listed(governance: Governance, proposal_id: str) -> dict[str, Any]:
    listed = governance.api.every("/proposals", origin="direct")
    return next(item for item in listed if item["id"] == proposal_id)


def test_a_proposal_of_another_kind_made_on_the_governor_is_listed_decoded_and_counts_direct_votes(
    governance: Governance,
) -> None:
    supply = governance.supply()
    holders = governance.holders({"alice": 3 * supply + 10**21, "bob": supply + 10**20, "carol": 10**20})
    alice, bob, carol = holders["alice"], holders["bob"], holders["carol"]
    payee = Account.create().address
    transfer = call_of(governance.token, "transfer", payee, 0).data
    description = f"# Pay the auditors\n\nTwo calls, made with web3 ({new_round()})"
    proposal_id = _propose(
        governance, alice, [(governance.token.address, 0, transfer), (payee, A_LOT_OF_WEI, b"")], description
    )

    _index_on_the_worker()  # the beat's indexing task, on the chain worker, as `polyphony up` runs it
    listed = _listed(governance, proposal_id)
    assert (listed["kind"], listed["origin"], listed["relayed"]) == ("other", "direct", False)
    assert listed["state"] == "pending"
    dataset_fields = ("dataset_id", "round", "manifest_root", "manifest_cid", "curator")
    assert {name: listed[name] for name in dataset_fields} == dict.fromkeys(dataset_fields)
    assert listed["proposer"] == alice.address and listed["description"] == description
    assert listed["action"] is None  # two actions: see `actions`
    assert listed["actions"] == [
        {"target": governance.token.address, "value": "0", "calldata": "0x" + transfer.hex(), "contract": "token",
         "function": "transfer(address,uint256)", "args": {"to": payee, "value": "0"}, "says": None},
        {"target": payee, "value": str(A_LOT_OF_WEI), "calldata": "0x", "contract": None, "function": None,
         "args": None, "says": None},
    ]  # fmt: skip
    assert governance.api.call("GET", f"/proposals/{listed['number']}")["id"] == proposal_id

    governance.open_voting()
    send_as(governance.web3, alice, call_of(governance.governor, "castVote", int(proposal_id), 1))
    reason = "not before the audit"
    send_as(governance.web3, bob, call_of(governance.governor, "castVoteWithReason", int(proposal_id), 0, reason))
    relayed = governance.relay_vote(carol, proposal_id, "abstain")  # a relayed ballot on it works too
    assert relayed["status"] == "mined" and relayed["relayed"] is True

    active = governance.proposal(proposal_id)
    assert active["state"] == "active"
    assert active["votes"] == {"for": str(3 * supply + 10**21), "against": str(supply + 10**20), "abstain": str(10**20)}
    votes = governance.api.every(f"/proposals/{proposal_id}/votes")
    assert [(v["voter"], v["support"], v["weight"], v["relayed"], v["status"]) for v in votes] == [
        (alice.address, "for", str(3 * supply + 10**21), False, "mined"),
        (bob.address, "against", str(supply + 10**20), False, "mined"),
        (carol.address, "abstain", str(10**20), True, "mined"),
    ]
    assert votes[0]["id"] is None and votes[1]["reason"] == reason and votes[2]["id"] == relayed["id"]
    assert all(v["tx_hash"] and v["block_number"] for v in votes)

    governance.close_voting()
    assert governance.proposal(proposal_id)["state"] == "succeeded"
    assert governance.keep(proposal_id) == []  # the keeper leaves it to its proposer
    assert governance.proposal(proposal_id)["state"] == "succeeded"


def test_a_dataset_approval_proposed_directly_is_linked_to_its_dataset_and_the_curator_cannot_propose_it_again(
    governance: Governance,
) -> None:
    holder = governance.holders({"dora": 10**20})["dora"]
    curator = governance.curator()
    dataset, round_number = governance.dataset(curator.wallet.address), new_round()
    approve = call_of(
        governance.registry, "approve", round_number, bytes.fromhex(dataset.root[2:]), dataset.manifest_cid
    ).data
    proposal_id = _propose(governance, holder, [(governance.registry.address, 0, approve)], "# Approve it (from Tally)")
    # The same call with a byte after its arguments decodes too, but is not the approval Polyphony proposes.
    padded_id = _propose(governance, holder, [(governance.registry.address, 0, approve + b"\x00")], "# Padded")

    governance.index()
    listed = _listed(governance, proposal_id)
    assert (listed["kind"], listed["origin"], listed["dataset_id"], listed["round"]) == (
        "dataset_approval", "direct", dataset.id, round_number,
    )  # fmt: skip
    assert (listed["manifest_root"], listed["manifest_cid"], listed["curator"]) == (
        dataset.root, dataset.manifest_cid, None,
    )  # fmt: skip
    assert listed["actions"][0]["function"] == "approve(uint256,bytes32,string)"
    assert listed["action"]["calldata"] == "0x" + approve.hex() and listed["action"]["value"] == "0"
    assert governance.api.every("/proposals", dataset_id=dataset.id) == [listed]
    padded = _listed(governance, padded_id)
    assert (padded["kind"], padded["dataset_id"], padded["round"]) == ("other", None, None)

    body = {"dataset_id": dataset.id, "round": round_number}
    status, code, message = _refusal(curator, "POST", "/proposals", json=body)
    assert (status, code) == (409, "dataset_already_proposed") and proposal_id in message

    governance.index()  # a second pass records nothing twice
    assert [item["id"] for item in governance.api.every("/proposals", dataset_id=dataset.id)] == [proposal_id]


def test_proposal_ids_in_paths_are_uint256_decimals(governance: Governance) -> None:
    holder = governance.holders({"erin": 10**20})["erin"]
    proposal_id = _propose(governance, holder, [(holder.address, 0, b"")], f"# Nothing ({new_round()})")
    governance.index()
    assert governance.api.call("GET", f"/proposals/000{proposal_id}")["id"] == proposal_id  # leading zeros
    for bad in ("abc", "-1", "1e5", "0x10", "\u0661\u0662", str(2**256), "9" * 100):
        for path in (f"/proposals/{bad}", f"/proposals/{bad}/votes"):
            status, code, message = _refusal(governance.api, "GET", path)
            assert (status, code) == (400, "invalid_proposal_id") and "uint256" in message, (path, message)
    assert _refusal(governance.api, "GET", f"/proposals/{2**256 - 1}")[:2] == (404, "proposal_not_found")
    ballot = {"voter": holder.address, "support": "for"}
    assert _refusal(governance.api, "GET", "/proposals/x1/ballot", params=ballot)[:2] == (400, "invalid_proposal_id")
