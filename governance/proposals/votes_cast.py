"""Every vote on a proposal: those the governor counted (sent directly or relayed) and relayed ones on their way.

The governor's `VoteCast` events are the votes that count, whoever sent them: a holder's own `castVote` (from
Tally, a wallet, a script) or the relayer's `castVoteBySig`. A relayed ballot is matched to its event by the
relayer's transaction hash. Votes on chain come first, in chain order; then the relayed ballots the chain has
not counted (yet): accepted and waiting for the relayer, mined but not indexed yet, or failed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from governance.proposals.service import proposal_events
from polyphony.models.indexer import ChainEvent
from polyphony.models.proposal import Proposal, RelayedBallot, RelayStatus


@dataclass(frozen=True)
class CastVote:
    """One vote: as the governor counted it (`weight` set), or a relayed ballot not counted (yet)."""

    voter: str
    support: int  # 0 against, 1 for, 2 abstain
    status: RelayStatus  # a vote sent directly is `mined`
    ballot: RelayedBallot | None  # the relayed ballot, or None for a vote sent directly
    weight: int | None = None  # votes counted, in token base units; None until counted
    reason: str | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    created_at: datetime | None = None  # when the ballot was handed in here; None for a vote sent directly


def votes_on(session: Session, proposal: Proposal, *, offset: int, limit: int) -> tuple[list[CastVote], int]:
    """One page of every vote on `proposal` (see the module docstring for the order), and how many in all."""
    ballots = list(
        session.exec(
            select(RelayedBallot).where(RelayedBallot.proposal_ref == proposal.id).order_by(col(RelayedBallot.id))
        )
    )
    relayed_in = {ballot.tx_hash: ballot for ballot in ballots if ballot.tx_hash is not None}
    counted = [
        _counted(event, relayed_in.get(event.tx_hash))
        for event in proposal_events(session, proposal)
        if event.name in ("VoteCast", "VoteCastWithParams")
    ]
    counted_ballots = {vote.ballot.id for vote in counted if vote.ballot is not None}
    waiting = [_uncounted(ballot) for ballot in ballots if ballot.id not in counted_ballots]
    every = counted + waiting
    return every[offset : offset + limit], len(every)


def _counted(event: ChainEvent, ballot: RelayedBallot | None) -> CastVote:
    return CastVote(
        voter=str(event.args["voter"]), support=int(event.args["support"]), status=RelayStatus.MINED, ballot=ballot,
        weight=int(event.args["weight"]), reason=str(event.args["reason"]), tx_hash=event.tx_hash,
        block_number=event.block_number, created_at=None if ballot is None else ballot.created_at,
    )  # fmt: skip


def _uncounted(ballot: RelayedBallot) -> CastVote:
    return CastVote(
        voter=ballot.voter, support=ballot.support, status=ballot.status, ballot=ballot, tx_hash=ballot.tx_hash,
        created_at=ballot.created_at,
    )  # fmt: skip
