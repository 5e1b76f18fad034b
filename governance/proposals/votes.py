"""Relayed ballots and delegations: a holder signs, the backend checks everything, then pays the gas.

`delegateBySig` does not revert on a signature made for another domain or chain: it recovers some other
address and moves that address's votes. `castVoteBySig` reverts on a bad signature, but only after the relayer
paid for the attempt. So before anything is sent, the signer is recovered here against this deployment's
domain (the token's for delegations, the governor's for ballots) and must be the holder named; the nonce must
be the holder's current one, a delegation unexpired, a proposal active and not yet voted on by the holder.
Each accepted signature is a row (unique where the chain accepts it once), then a chain-queue task whose
transaction intent is named by what it does, so a replay or a retry never pays twice.

A contract wallet (a Safe) votes by signature like anyone: the Governor asks it through ERC-1271, and so does
the check here (chain/signatures.py), before the relayer pays. It cannot delegate by signature: OZ 5's
`delegateBySig` recovers a key's ECDSA signature only, so a Safe calls the token's `delegate` itself, in a Safe
transaction its owners sign (the README says how), and a delegation it hands in is refused with that advice.
"""

from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from web3 import Web3
from web3.contract import Contract

from chain.addresses import checksum_address
from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.eip712 import (
    Ballot,
    Delegation,
    SignatureExpired,
    TypedData,
    WrongNonce,
    WrongSigner,
    digest,
    domain_of,
    split_signature,
    typed_data,
)
from chain.errors import TxReverted
from chain.signatures import check_signature, is_contract
from chain.tx import Call, TxSender
from governance.proposals.errors import (
    AlreadyVoted,
    DelegationAlreadyRelayed,
    DelegationNeedsKey,
    NoVotingPower,
    ProposalNotActive,
    RelayNotFound,
)
from governance.proposals.service import STATES
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.jobs import enqueue
from polyphony.models.proposal import Proposal, RelayedBallot, RelayedDelegation, RelayStatus

# secp256k1's group order: OZ's ECDSA refuses signatures whose s lies in its upper half (EIP-2).
_HALF_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 // 2
DELEGATION_LIFETIME_S = 3600
Relayed = TypeVar("Relayed", RelayedBallot, RelayedDelegation)


def normalised_signature(signature: bytes) -> bytes:
    """A key's 65-byte signature with v as 27/28 (some wallets give 0/1); refuse a malleable (high-s) one."""
    if len(signature) != 65:
        raise WrongSigner(f"a key's signature is 65 bytes, this one is {len(signature)}: sign again with the wallet")
    v, r, s = split_signature(signature)
    if int.from_bytes(s, "big") > _HALF_ORDER:
        raise WrongSigner("this signature has a high s value, which the contracts refuse: sign again with a wallet")
    return r + s + bytes([v + 27 if v < 27 else v])


def _chain_now(web3: Web3) -> int:
    return int(web3.eth.get_block("latest")["timestamp"])


def _check_signer(web3: Web3, typed: TypedData, *, signature: bytes, signer: str, kind: str) -> None:
    check = check_signature(web3, signer=signer, digest=digest(typed), signature=signature)
    if not check.valid:
        domain = typed["domain"]
        raise WrongSigner(
            f"this {kind} signature is not {signer}'s for {domain['name']} at {domain['verifyingContract']} on "
            f"chain {domain['chainId']} ({check.found}): sign the typed data this API serves, unchanged, with "
            "that wallet"
        )


def _as_relayed(web3: Web3, signature: bytes, *, signer: str) -> bytes:
    """The signature the contracts will be given: a key's normalised, a contract wallet's exactly as it signed."""
    return signature if is_contract(web3, signer) else normalised_signature(signature)


def ballot_typed_data(web3: Web3, deployment: Deployment, proposal: Proposal, *, voter: str, support: int) -> TypedData:
    """The Ballot `voter` signs to vote `support` on `proposal`, with their current governor nonce."""
    governor = deployment.bind(web3, "governor")
    voter = checksum_address(voter, what="voter")
    with rpc_errors():
        nonce = int(governor.functions.nonces(voter).call())
        domain = domain_of(governor)
    return typed_data(domain, message=Ballot(int(proposal.proposal_id), support, voter, nonce))


def accept_ballot(
    session: Session, proposal: Proposal, *, web3: Web3, deployment: Deployment, voter: str, support: int,
    signature: bytes, nonce: int | None,
) -> RelayedBallot:  # fmt: skip
    """Check `voter`'s signed ballot on `proposal` in full, record it and have the relayer send it."""
    governor = deployment.bind(web3, "governor")
    voter = checksum_address(voter, what="voter")
    signature = _as_relayed(web3, signature, signer=voter)
    pid = int(proposal.proposal_id)
    # "Already voted" first: a replayed ballot's nonce is spent, so its signature no longer checks out.
    _refuse_pending_ballot(session, proposal, voter=voter)
    with rpc_errors():
        _check_open_to(governor, pid, voter=voter)
        current = int(governor.functions.nonces(voter).call())
        signed_nonce = current if nonce is None else nonce
        typed = typed_data(domain_of(governor), message=Ballot(pid, support, voter, signed_nonce))
        _check_signer(web3, typed, signature=signature, signer=voter, kind="ballot")
        if signed_nonce != current:
            raise WrongNonce(f"this ballot carries nonce {nonce}, but {voter}'s next is {current}: sign a new one")
        _check_voting_power(governor, pid, voter=voter)
    ballot = RelayedBallot(
        proposal_ref=int(proposal.id or 0), voter=voter, support=support, nonce=current,
        signature="0x" + signature.hex(),
    )  # fmt: skip
    session.add(ballot)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyVoted(f"{voter} already handed in a ballot on this proposal") from None
    enqueue(session, "governance.relay_ballot", ballot_id=ballot.id)
    return ballot


def _check_open_to(governor: Contract, pid: int, *, voter: str) -> None:
    state = STATES[int(governor.functions.state(pid).call())]
    if state != "active":
        raise ProposalNotActive(f"this proposal is {state}, not open for votes: only an active proposal takes votes")
    if governor.functions.hasVoted(pid, voter).call():
        raise AlreadyVoted(f"{voter} has already voted on this proposal; a vote counts once and cannot be changed")


def _check_voting_power(governor: Contract, pid: int, *, voter: str) -> None:
    snapshot = int(governor.functions.proposalSnapshot(pid).call())
    if int(governor.functions.getVotes(voter, snapshot).call()) == 0:
        raise NoVotingPower(
            f"{voter} had no votes at this proposal's snapshot ({snapshot}): tokens must be held and delegated "
            "before a proposal is made to count on it"
        )


def _refuse_pending_ballot(session: Session, proposal: Proposal, *, voter: str) -> None:
    existing = session.exec(
        select(RelayedBallot).where(RelayedBallot.proposal_ref == proposal.id, RelayedBallot.voter == voter)
    ).first()
    if existing is not None:
        raise AlreadyVoted(f"{voter} already handed in a ballot on this proposal (relay {existing.status})")


def relay_ballot(ballot_id: int, *, sender: TxSender, deployment: Deployment) -> RelayedBallot:
    """Send the accepted ballot `ballot_id` to `castVoteBySig` once; record what the chain made of it.

    A workflow that owns its transactions: it reads in one, sends and waits for the receipt outside any (a
    transaction open across a receipt wait would hold the database), and records the outcome in another.
    """
    with session_scope() as session:
        ballot = session.get(RelayedBallot, ballot_id)
        if ballot is None:
            raise RelayNotFound(f"there is no relayed ballot {ballot_id}")
        proposal = session.get_one(Proposal, ballot.proposal_ref)
    if ballot.status != RelayStatus.ACCEPTED:
        return ballot
    governor = deployment.bind(sender.web3, "governor")
    pid, signature = int(proposal.proposal_id), bytes.fromhex(ballot.signature[2:])
    call = call_of(governor, "castVoteBySig", pid, ballot.support, ballot.voter, signature)
    return _record(RelayedBallot, ballot_id, sender, f"ballot:{governor.address}:{pid}:{ballot.voter}", call)


def delegation_typed_data(
    web3: Web3, deployment: Deployment, *, delegator: str, delegatee: str, expiry: int | None
) -> TypedData:
    """The Delegation `delegator` signs to hand their votes to `delegatee`, with their current token nonce."""
    token = deployment.bind(web3, "token")
    delegator, delegatee = checksum_address(delegator, what="delegator"), checksum_address(delegatee, what="delegatee")
    _refuse_contract_delegator(web3, delegator, delegatee=delegatee)
    with rpc_errors():
        nonce = int(token.functions.nonces(delegator).call())
        expiry = expiry if expiry is not None else _chain_now(web3) + DELEGATION_LIFETIME_S
        return typed_data(domain_of(token), message=Delegation(delegatee, nonce, expiry))


def accept_delegation(
    session: Session, *, web3: Web3, deployment: Deployment, delegator: str, delegatee: str, nonce: int,
    expiry: int, signature: bytes,
) -> RelayedDelegation:  # fmt: skip
    """Check `delegator`'s signed delegation in full, record it and have the relayer send it."""
    token = deployment.bind(web3, "token")
    delegator, delegatee = checksum_address(delegator, what="delegator"), checksum_address(delegatee, what="delegatee")
    _refuse_contract_delegator(web3, delegator, delegatee=delegatee)
    signature = normalised_signature(signature)
    with rpc_errors():
        typed = typed_data(domain_of(token), message=Delegation(delegatee, nonce, expiry))
        _check_signer(web3, typed, signature=signature, signer=delegator, kind="delegation")
    already = DelegationAlreadyRelayed(
        f"a delegation of {delegator} with nonce {nonce} was already handed in: a signature counts once"
    )
    # Checked before the chain's nonce: once the first copy is mined the nonce has moved on, and a replay should
    # still hear that it is a replay rather than that its nonce is stale.
    handed_in = select(RelayedDelegation.id).where(
        RelayedDelegation.chain_id == deployment.chain_id, RelayedDelegation.token == token.address,
        RelayedDelegation.delegator == delegator, RelayedDelegation.nonce == nonce,
    )  # fmt: skip
    if session.exec(handed_in).first() is not None:
        raise already
    with rpc_errors():
        _check_delegation_usable(web3, token, delegator=delegator, nonce=nonce, expiry=expiry)
    delegation = RelayedDelegation(
        chain_id=deployment.chain_id, token=token.address, delegator=delegator, delegatee=delegatee, nonce=nonce,
        expiry=expiry, signature="0x" + signature.hex(),
    )  # fmt: skip
    session.add(delegation)
    try:
        session.flush()
    except IntegrityError:
        raise already from None
    enqueue(session, "governance.relay_delegation", delegation_id=delegation.id)
    return delegation


def _refuse_contract_delegator(web3: Web3, delegator: str, *, delegatee: str) -> None:
    if is_contract(web3, delegator):
        raise DelegationNeedsKey(
            f"{delegator} is a contract wallet (such as a Safe): the token's delegateBySig takes only a key's "
            f"signature, so no signature of it can be relayed. Have the wallet call delegate({delegatee}) on the "
            "token itself, in a transaction its owners sign (the README's 'Safe and other contract wallets' says how)"
        )


def _check_delegation_usable(web3: Web3, token: Contract, *, delegator: str, nonce: int, expiry: int) -> None:
    current = int(token.functions.nonces(delegator).call())
    if nonce != current:
        raise WrongNonce(
            f"this delegation carries nonce {nonce}, but {delegator}'s next is {current}: a signature counts "
            "once; ask for new typed data (GET /delegations/typed-data) and sign it"
        )
    now = _chain_now(web3)
    if expiry <= now:
        raise SignatureExpired(f"this delegation expired at {expiry} (chain time {now}): sign a new one")


def relay_delegation(delegation_id: int, *, sender: TxSender, deployment: Deployment) -> RelayedDelegation:
    """Send the accepted delegation `delegation_id` to `delegateBySig` once; record what the chain made of it.

    A workflow that owns its transactions: it reads in one, sends and waits for the receipt outside any (a
    transaction open across a receipt wait would hold the database), and records the outcome in another.
    """
    with session_scope() as session:
        delegation = session.get(RelayedDelegation, delegation_id)
        if delegation is None:
            raise RelayNotFound(f"there is no relayed delegation {delegation_id}")
    if delegation.status != RelayStatus.ACCEPTED:
        return delegation
    token = deployment.bind(sender.web3, "token")
    v, r, s = split_signature(bytes.fromhex(delegation.signature[2:]))
    call = call_of(token, "delegateBySig", delegation.delegatee, delegation.nonce, delegation.expiry, v, r, s)
    intent = f"delegation:{token.address}:{delegation.delegator}:{delegation.nonce}"
    return _record(RelayedDelegation, delegation_id, sender, intent, call)


def _record(kind: type[Relayed], row_id: int, sender: TxSender, intent: str, call: Call) -> Relayed:
    """Send `call` under `intent` and write its fate on row `row_id` of `kind`, in a transaction of its own."""
    try:
        tx = sender.send(intent, call)
        status, tx_hash, error = RelayStatus.MINED, tx.tx_hash, None
    except TxReverted as refused:
        status, tx_hash, error = RelayStatus.FAILED, None, refused.message
    with session_scope() as session:
        row = session.get_one(kind, row_id)
        row.status, row.tx_hash, row.error, row.updated_at = status, tx_hash, error, utcnow()
        session.add(row)
    return row


def get_relayed(session: Session, kind: type[RelayedBallot] | type[RelayedDelegation], row_id: int) -> Any:
    """One relayed ballot or delegation by its id."""
    row = session.get(kind, row_id)
    if row is None:
        raise RelayNotFound(f"there is no relayed {kind.__tablename__.removeprefix('relayed_')} {row_id}")
    return row
