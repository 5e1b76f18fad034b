"""An address's rewards epoch by epoch: what each closed epoch allocated to it, for `GET /rewards/{address}/history`.

One entry per epoch that scored at least one of the address's contributions (a failed one is paid 0 and still
listed), newest first. A revoked epoch is listed with what it allocated and its status: its root pays nothing,
and the next epoch pays those contributions again, so a sum over epochs skips the revoked ones.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from chain.addresses import checksum_address
from polyphony.clock import as_utc
from polyphony.models.epoch import Epoch, EpochBalance, EpochReward, EpochStatus
from polyphony.tokens import format_tokens


@dataclass(frozen=True)
class EpochEarning:
    """What one epoch allocated to one address, and where that epoch stands."""

    epoch: int
    status: EpochStatus
    amount: int
    cumulative: int  # the address's total since the first epoch, as this epoch's root says
    contributions: int  # the address's contributions this epoch scored
    contributions_paid: int  # those it paid more than 0
    cutoff: datetime
    closed_at: datetime
    activates_at: int | None
    report_cid: str

    @property
    def amount_display(self) -> str:
        """The amount as a person reads it (`1,234.5 PLY`)."""
        return format_tokens(self.amount)

    @property
    def cumulative_display(self) -> str:
        """The cumulative amount as a person reads it."""
        return format_tokens(self.cumulative)


def history_of(session: Session, address: str, *, offset: int, limit: int) -> tuple[list[EpochEarning], int]:
    """One page of `address`'s epochs, newest first, and how many epochs scored its contributions in all."""
    address = checksum_address(address, what="account")
    epochs = select(EpochReward.epoch_id).where(EpochReward.contributor == address).distinct()
    total = session.exec(select(func.count()).select_from(epochs.subquery())).one()
    page = list(
        session.exec(
            select(Epoch)
            .where(col(Epoch.id).in_(epochs))
            .order_by(col(Epoch.number).desc())
            .offset(offset)
            .limit(limit)
        )
    )
    return [_earning(session, epoch, address) for epoch in page], total


def _earning(session: Session, epoch: Epoch, address: str) -> EpochEarning:
    query = select(EpochReward.amount).where(EpochReward.epoch_id == epoch.id, EpochReward.contributor == address)
    amounts = [int(amount) for amount in session.exec(query)]
    balance = session.get(EpochBalance, (epoch.id, address))
    return EpochEarning(
        epoch=epoch.number, status=epoch.status, amount=sum(amounts),
        cumulative=int(balance.cumulative) if balance else 0, contributions=len(amounts),
        contributions_paid=sum(1 for amount in amounts if amount > 0), cutoff=as_utc(epoch.cutoff),
        closed_at=as_utc(epoch.created_at), activates_at=epoch.activates_at, report_cid=epoch.report_cid,
    )  # fmt: skip
