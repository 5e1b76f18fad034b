"""Governance on anvil: a dataset is approved for a round only by a proposal that passed, was queued and
executed after the timelock delay; votes count as of the snapshot, and once per holder."""

import os

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD

from chain.bindings import call_of
from chain.eip712 import Ballot, Delegation, domain_of, sign, split_signature, typed_data
from tests.integration.chain.governance_fixtures import (
    AGAINST,
    DEFEATED,
    EXECUTED,
    FOR,
    QUEUED,
    SUCCEEDED,
    Dao,
    Proposal,
    approval_proposal,
    chain_now,
    claim_call,
    close_voting,
    dao_fixture,  # noqa: F401 (the `dao` fixture)
    grant_votes,
    lifecycle_call,
    majority,
    new_wallet,
    open_voting,
    pay,
    propose,
    refusal,
    send_as,
    state,
    wait_timelock,
)


def _dataset(dao: Dao) -> tuple[Proposal, int, bytes]:
    """A proposal to approve a new dataset (a random manifest root) for a round, with that round and root."""
    round_number, root = 1 + int.from_bytes(os.urandom(2), "big"), os.urandom(32)
    proposal = approval_proposal(dao, round_number=round_number, manifest_root=root, manifest_cid="bafy-manifest")
    return proposal, round_number, root


def _approved(dao: Dao, round_number: int, root: bytes) -> bool:
    return int(dao.bind("datasetRegistry").functions.approvalBlock(round_number, root).call()) != 0


def _vote(dao: Dao, voter: LocalAccount, proposal_id: int, support: int) -> None:
    send_as(dao.web3, voter, call_of(dao.bind("governor"), "castVote", proposal_id, support))


def _tally(dao: Dao, proposal_id: int) -> tuple[int, int, int]:
    against, in_favour, abstain = dao.bind("governor").functions.proposalVotes(proposal_id).call()
    return int(against), int(in_favour), int(abstain)


def _delegate_by_signature(dao: Dao, holder: LocalAccount, relayer: LocalAccount) -> None:
    token = dao.bind("token")
    delegation = Delegation(delegatee=holder.address, nonce=0, expiry=chain_now(dao.web3) + 3600)
    v, r, s = split_signature(sign(typed_data(domain_of(token), message=delegation), account=holder))
    send_as(dao.web3, relayer, call_of(token, "delegateBySig", holder.address, 0, delegation.expiry, v, r, s))


def test_a_proposal_voted_by_signature_queued_and_executed_approves_the_dataset(dao: Dao) -> None:
    holder, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    tree = pay(dao, {holder.address: majority(dao)})
    send_as(dao.web3, relayer, claim_call(dao, tree, holder.address))  # a relayed claim pays the holder
    _delegate_by_signature(dao, holder, relayer)
    proposal, round_number, root = _dataset(dao)
    proposal_id = propose(dao, relayer, proposal)
    open_voting(dao)

    governor = dao.bind("governor")
    ballot = Ballot(proposal_id=proposal_id, support=FOR, voter=holder.address, nonce=0)
    signature = sign(typed_data(domain_of(governor), message=ballot), account=holder)
    send_as(dao.web3, relayer, call_of(governor, "castVoteBySig", proposal_id, FOR, holder.address, signature))
    assert governor.functions.hasVoted(proposal_id, holder.address).call()
    close_voting(dao)
    assert state(dao, proposal_id) == SUCCEEDED

    send_as(dao.web3, relayer, lifecycle_call(dao, "queue", proposal))
    assert state(dao, proposal_id) == QUEUED
    wait_timelock(dao)
    receipt = send_as(dao.web3, relayer, lifecycle_call(dao, "execute", proposal))
    assert state(dao, proposal_id) == EXECUTED
    assert _approved(dao, round_number, root)
    [event] = dao.bind("datasetRegistry").events.DatasetApproved().process_receipt(receipt, errors=DISCARD)
    assert (event["args"]["round"], event["args"]["manifestRoot"]) == (round_number, root)


def test_tokens_acquired_after_the_snapshot_do_not_vote(dao: Dao) -> None:
    early = grant_votes(dao, {"early": 10**18})["early"]
    latecomer = new_wallet(dao.web3)
    tree = pay(dao, {latecomer.address: majority(dao)})  # earned before, claimed only after the snapshot
    proposal, round_number, root = _dataset(dao)
    proposal_id = propose(dao, early, proposal)
    open_voting(dao)

    send_as(dao.web3, latecomer, claim_call(dao, tree, latecomer.address))
    send_as(dao.web3, latecomer, call_of(dao.bind("token"), "delegate", latecomer.address))
    assert dao.bind("token").functions.getVotes(latecomer.address).call() > 0
    _vote(dao, latecomer, proposal_id, FOR)
    assert _tally(dao, proposal_id) == (0, 0, 0)
    close_voting(dao)
    assert state(dao, proposal_id) == DEFEATED
    assert refusal(dao.web3, early.address, lifecycle_call(dao, "queue", proposal)) == "GovernorUnexpectedProposalState"
    assert not _approved(dao, round_number, root)


def test_a_holder_cannot_vote_twice_directly_or_by_signature(dao: Dao) -> None:
    voter = grant_votes(dao, {"voter": 10**18})["voter"]
    proposal, _, _ = _dataset(dao)
    proposal_id = propose(dao, voter, proposal)
    open_voting(dao)
    _vote(dao, voter, proposal_id, FOR)

    governor = dao.bind("governor")
    assert (
        refusal(dao.web3, voter.address, call_of(governor, "castVote", proposal_id, FOR)) == "GovernorAlreadyCastVote"
    )
    ballot = Ballot(proposal_id=proposal_id, support=FOR, voter=voter.address, nonce=0)
    signature = sign(typed_data(domain_of(governor), message=ballot), account=voter)
    by_signature = call_of(governor, "castVoteBySig", proposal_id, FOR, voter.address, signature)
    assert refusal(dao.web3, voter.address, by_signature) == "GovernorAlreadyCastVote"
    assert _tally(dao, proposal_id) == (0, 10**18, 0)


def test_a_defeated_proposal_can_be_neither_queued_nor_executed(dao: Dao) -> None:
    voters = grant_votes(dao, {"against": 3 * 10**18, "for": 10**18})
    proposal, round_number, root = _dataset(dao)
    proposal_id = propose(dao, voters["for"], proposal)
    open_voting(dao)
    _vote(dao, voters["against"], proposal_id, AGAINST)
    _vote(dao, voters["for"], proposal_id, FOR)
    close_voting(dao)

    assert state(dao, proposal_id) == DEFEATED
    for step in ("queue", "execute"):
        assert refusal(dao.web3, voters["for"].address, lifecycle_call(dao, step, proposal)) == (
            "GovernorUnexpectedProposalState"
        )
    assert not _approved(dao, round_number, root)


def test_a_passed_proposal_approves_nothing_until_queued_and_the_timelock_delay_is_over(dao: Dao) -> None:
    voter = grant_votes(dao, {"voter": majority(dao)})["voter"]
    proposal, round_number, root = _dataset(dao)
    proposal_id = propose(dao, voter, proposal)
    open_voting(dao)
    _vote(dao, voter, proposal_id, FOR)
    close_voting(dao)

    assert state(dao, proposal_id) == SUCCEEDED
    execute = lifecycle_call(dao, "execute", proposal)
    assert refusal(dao.web3, voter.address, execute) == "GovernorUnexpectedProposalState"  # not queued
    send_as(dao.web3, voter, lifecycle_call(dao, "queue", proposal))
    assert refusal(dao.web3, voter.address, execute) == "TimelockUnexpectedOperationState"  # delay not over
    assert not _approved(dao, round_number, root)
    wait_timelock(dao)
    send_as(dao.web3, voter, execute)
    assert _approved(dao, round_number, root)
    assert refusal(dao.web3, voter.address, execute) == "GovernorUnexpectedProposalState"  # executed once only


def test_no_one_but_the_governor_schedules_on_the_timelock_and_nothing_unscheduled_executes(dao: Dao) -> None:
    proposal, round_number, root = _dataset(dao)
    timelock, intruder = dao.bind("timelock"), new_wallet(dao.web3)
    operation = (proposal.targets[0], 0, proposal.calldatas[0], bytes(32), proposal.description_hash)
    schedule = call_of(timelock, "schedule", *operation, 20)
    for sender in [intruder.address, *(key.address for key in dao.keys.values())]:
        assert refusal(dao.web3, sender, schedule) == "AccessControlUnauthorizedAccount"
    execute = call_of(timelock, "execute", *operation)
    assert refusal(dao.web3, intruder.address, execute) == "TimelockUnexpectedOperationState"
    assert not _approved(dao, round_number, root)
