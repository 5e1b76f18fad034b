"""Proposals through the real API, relayer and keeper on anvil: several holders, and the clock moved by hand.

A round is approved on the dataset registry only by a proposal that passed, was queued and executed after the
timelock delay; defeated proposals, proposals short of quorum and late-bought tokens approve nothing.
"""

from sqlmodel import Session

from chain.bindings import call_of
from chain.indexer import DEPLOYMENT_CURSOR, events
from tests.integration.chain.governance_fixtures import send_as
from tests.integration.governance.conftest import Governance, new_round


def test_a_relayed_proposal_passed_by_relayed_votes_is_queued_and_executed_by_the_keeper(
    governance: Governance,
) -> None:
    supply = governance.supply()
    holders = governance.mint({"alice": 3 * supply + 10**21, "bob": supply + 10**20})
    alice, bob = holders["alice"], holders["bob"]
    assert governance.relay_delegation(alice, alice.address)["status"] == "mined"
    send_as(governance.web3, bob, call_of(governance.token, "delegate", bob.address))
    curator = governance.curator()
    dataset, round_number = governance.dataset(curator.wallet.address), new_round()

    proposal = governance.propose(curator, int(dataset.id or 0), round_number)
    assert proposal["state"] == "pending" and proposal["proposer"] != curator.wallet.address  # the relayer sent it
    assert dataset.manifest_cid in proposal["action"]["description"]
    assert int(governance.governor.functions.hashProposal(
        [proposal["action"]["target"]], [0], [bytes.fromhex(proposal["action"]["calldata"][2:])],
        bytes.fromhex(proposal["action"]["description_hash"][2:]),
    ).call()) == int(proposal["id"])  # fmt: skip

    governance.open_voting()
    assert governance.relay_vote(alice, proposal["id"], "for")["status"] == "mined"
    send_as(governance.web3, bob, call_of(governance.governor, "castVote", int(proposal["id"]), 0))
    active = governance.proposal(proposal["id"])
    assert active["state"] == "active"
    assert active["votes"] == {"for": str(3 * supply + 10**21), "against": str(supply + 10**20), "abstain": "0"}
    assert int(active["quorum"]) > 0 and active["snapshot"] < active["deadline"]

    assert governance.keep(proposal["id"]) == []  # nothing is due while the vote is open
    governance.close_voting()
    assert governance.proposal(proposal["id"])["state"] == "succeeded"
    assert governance.keep(proposal["id"]) == ["queue"]
    queued = governance.proposal(proposal["id"])
    assert queued["state"] == "queued" and queued["eta"] is not None
    assert governance.keep(proposal["id"]) == []  # the timelock delay is not over
    assert not governance.approved(round_number, dataset.root)

    governance.wait_timelock()
    assert governance.keep(proposal["id"]) == ["execute"]
    executed = governance.proposal(proposal["id"])
    assert executed["state"] == "executed" and set(executed["transactions"]) == {"created", "queued", "executed"}
    assert governance.approved(round_number, dataset.root)
    with Session(governance.engine) as session:  # what the rounds projection reads
        approvals = events(
            session, cursor=DEPLOYMENT_CURSOR, contract=governance.registry.address, name="DatasetApproved"
        )
    assert {(a.args["round"], a.args["manifestRoot"], a.args["manifestCid"]) for a in approvals} >= {
        (round_number, dataset.root, dataset.manifest_cid)
    }
    assert governance.keep(proposal["id"]) == []  # settled: the keeper looks at it no more
