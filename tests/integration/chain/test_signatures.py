"""Relayed signatures on anvil: the digests chain/eip712.py builds are the ones the governor and token check,
and a replayed, expired, other-chain or other-contract signature moves nothing."""

import dataclasses
import os

from eth_account.signers.local import LocalAccount

from chain.bindings import call_of
from chain.eip712 import Ballot, Delegation, Domain, Permit, domain_of, sign, split_signature, typed_data
from chain.tx import Call
from tests.integration.chain.governance_fixtures import (
    FOR,
    Dao,
    approval_proposal,
    chain_now,
    close_voting,
    dao_fixture,  # noqa: F401 (the `dao` fixture)
    new_wallet,
    open_voting,
    propose,
    refusal,
    send_as,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ELSEWHERE = "0x" + "e1" * 20


def _other_chain(domain: Domain) -> Domain:
    return dataclasses.replace(domain, chain_id=1)


def _other_contract(domain: Domain) -> Domain:
    return dataclasses.replace(domain, verifying_contract=ELSEWHERE)


def test_the_governor_and_token_report_the_domains_the_signatures_use(dao: Dao) -> None:
    governor, token = domain_of(dao.bind("governor")), domain_of(dao.bind("token"))
    assert (governor.name, governor.version, governor.chain_id) == ("Polyphony Governor", "1", 31337)
    assert (token.name, token.version, token.chain_id) == ("Polyphony", "1", 31337)
    assert governor.verifying_contract == dao.bind("governor").address


def _ballot_call(dao: Dao, voter: LocalAccount, proposal_id: int, *, domain: Domain) -> Call:
    ballot = Ballot(proposal_id=proposal_id, support=FOR, voter=voter.address, nonce=0)
    signature = sign(typed_data(domain, message=ballot), account=voter)
    return call_of(dao.bind("governor"), "castVoteBySig", proposal_id, FOR, voter.address, signature)


def _active_proposal(dao: Dao, proposer: LocalAccount) -> int:
    proposal = approval_proposal(dao, round_number=7, manifest_root=os.urandom(32), manifest_cid="bafy")
    proposal_id = propose(dao, proposer, proposal)
    open_voting(dao)
    return proposal_id


def test_a_ballot_signed_for_another_chain_or_governor_is_refused(dao: Dao) -> None:
    voter, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    proposal_id = _active_proposal(dao, relayer)
    domain = domain_of(dao.bind("governor"))
    for elsewhere in (_other_chain(domain), _other_contract(domain)):
        call = _ballot_call(dao, voter, proposal_id, domain=elsewhere)
        assert refusal(dao.web3, relayer.address, call) == "GovernorInvalidSignature"
    assert not dao.bind("governor").functions.hasVoted(proposal_id, voter.address).call()


def test_a_relayed_ballot_cannot_be_replayed(dao: Dao) -> None:
    voter, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    proposal_id = _active_proposal(dao, relayer)
    call = _ballot_call(dao, voter, proposal_id, domain=domain_of(dao.bind("governor")))
    send_as(dao.web3, relayer, call)
    assert refusal(dao.web3, relayer.address, call) == "GovernorInvalidSignature"  # its nonce is spent
    assert dao.bind("governor").functions.nonces(voter.address).call() == 1


def test_a_ballot_relayed_after_the_vote_closed_is_refused(dao: Dao) -> None:
    voter, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    proposal_id = _active_proposal(dao, relayer)
    call = _ballot_call(dao, voter, proposal_id, domain=domain_of(dao.bind("governor")))
    close_voting(dao)
    assert refusal(dao.web3, relayer.address, call) == "GovernorUnexpectedProposalState"


def _delegation_call(dao: Dao, holder: LocalAccount, *, domain: Domain, expiry: int, nonce: int = 0) -> Call:
    delegation = Delegation(delegatee=holder.address, nonce=nonce, expiry=expiry)
    v, r, s = split_signature(sign(typed_data(domain, message=delegation), account=holder))
    return call_of(dao.bind("token"), "delegateBySig", holder.address, nonce, expiry, v, r, s)


def test_a_relayed_delegation_counts_once(dao: Dao) -> None:
    holder, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    token = dao.bind("token")
    call = _delegation_call(dao, holder, domain=domain_of(token), expiry=chain_now(dao.web3) + 600)
    send_as(dao.web3, relayer, call)
    assert token.functions.delegates(holder.address).call() == holder.address
    assert refusal(dao.web3, relayer.address, call) == "InvalidAccountNonce"


def test_an_expired_delegation_is_refused(dao: Dao) -> None:
    holder, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    call = _delegation_call(dao, holder, domain=domain_of(dao.bind("token")), expiry=chain_now(dao.web3) - 1)
    assert refusal(dao.web3, relayer.address, call) == "VotesExpiredSignature"


def test_a_delegation_signed_for_another_chain_or_token_moves_no_votes(dao: Dao) -> None:
    holder, relayer = new_wallet(dao.web3), new_wallet(dao.web3)
    token = dao.bind("token")
    for elsewhere in (_other_chain(domain_of(token)), _other_contract(domain_of(token))):
        # The token recovers some other address from the digest and delegates *its* (empty) votes instead.
        send_as(dao.web3, relayer, _delegation_call(dao, holder, domain=elsewhere, expiry=chain_now(dao.web3) + 600))
    assert token.functions.delegates(holder.address).call() == ZERO_ADDRESS
    assert token.functions.nonces(holder.address).call() == 0


def _permit_call(dao: Dao, owner: LocalAccount, spender: str, *, domain: Domain, deadline: int) -> Call:
    permit = Permit(owner=owner.address, spender=spender, value=5 * 10**18, nonce=0, deadline=deadline)
    v, r, s = split_signature(sign(typed_data(domain, message=permit), account=owner))
    return call_of(dao.bind("token"), "permit", owner.address, spender, permit.value, deadline, v, r, s)


def test_a_permit_grants_its_allowance_once(dao: Dao) -> None:
    owner, spender = new_wallet(dao.web3), new_wallet(dao.web3)
    token = dao.bind("token")
    call = _permit_call(dao, owner, spender.address, domain=domain_of(token), deadline=chain_now(dao.web3) + 600)
    send_as(dao.web3, spender, call)
    assert token.functions.allowance(owner.address, spender.address).call() == 5 * 10**18
    assert refusal(dao.web3, spender.address, call) == "ERC2612InvalidSigner"  # the nonce moved on


def test_an_expired_or_misdirected_permit_is_refused(dao: Dao) -> None:
    owner, spender = new_wallet(dao.web3), new_wallet(dao.web3)
    token, deadline = dao.bind("token"), chain_now(dao.web3) + 600
    expired = _permit_call(dao, owner, spender.address, domain=domain_of(token), deadline=chain_now(dao.web3) - 1)
    assert refusal(dao.web3, spender.address, expired) == "ERC2612ExpiredSignature"
    for elsewhere in (_other_chain(domain_of(token)), _other_contract(domain_of(token))):
        call = _permit_call(dao, owner, spender.address, domain=elsewhere, deadline=deadline)
        assert refusal(dao.web3, spender.address, call) == "ERC2612InvalidSigner"
    assert token.functions.allowance(owner.address, spender.address).call() == 0
