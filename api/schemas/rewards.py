"""Request and response models of the reward routes: `/rewards` and `/epochs`."""

from datetime import datetime

from pydantic import BaseModel, Field

from governance.rewards.history import EpochEarning
from polyphony.models.epoch import RewardClaim


class RewardPublic(BaseModel):
    """`GET /rewards/{address}`: token base units as decimal strings, against the active epoch's root."""

    account: str
    claimable: str = Field(description="What a claim pays now: cumulative minus what was claimed on-chain")
    cumulative: str = Field(description="Everything earned since the first epoch, as the active root says")
    claimed: str
    proof: list[str] = Field(description="The Merkle proof of (account, token, cumulative) for the distributor")
    epoch: int | None = Field(description="The active epoch the proof is for; null before the first")
    pending: str = Field(
        description="What a closed epoch adds once its root is active (it waits out the challenge delay); 0 if none"
    )
    pending_epoch: int | None = Field(description="The epoch `pending` comes from; null when nothing is pending")
    claimable_at: int | None = Field(
        description="Chain time (Unix seconds) from which a claim pays `pending`; null until its root is proposed"
    )


class ClaimRequest(BaseModel):
    """`POST /rewards/claims`: the account to pay; anyone may ask, the tokens only ever go to the account."""

    account: str = Field(description="0x address")


class ClaimPublic(BaseModel):
    """A relayed claim: follow it at `GET /rewards/claims/{id}` until it is `mined` (or `refused`)."""

    id: int
    account: str
    epoch: int
    cumulative: str
    amount: str
    status: str
    tx_hash: str | None
    reason: str | None
    created_at: datetime
    follow: str

    @classmethod
    def of(cls, claim: RewardClaim) -> "ClaimPublic":
        """The public view of `claim`."""
        return cls(
            id=int(claim.id or 0), account=claim.account, epoch=claim.epoch, cumulative=claim.cumulative,
            amount=claim.amount, status=str(claim.status), tx_hash=claim.tx_hash, reason=claim.reason,
            created_at=claim.created_at, follow=f"/rewards/claims/{claim.id}",
        )  # fmt: skip


class EpochEarningPublic(BaseModel):
    """`GET /rewards/{address}/history`: what one epoch allocated to the address (base units as decimal strings)."""

    epoch: int
    status: str = Field(description="computed, proposed, active, or revoked (a revoked root pays nothing)")
    amount: str = Field(description="What this epoch allocated to the address, in token base units")
    amount_display: str = Field(description="The amount as a person reads it, e.g. `1,234.5 PLY`")
    cumulative: str = Field(description="The address's total since the first epoch, as this epoch's root says")
    cumulative_display: str
    contributions: int = Field(description="The address's contributions this epoch scored")
    contributions_paid: int = Field(description="Those it paid more than 0")
    cutoff: datetime = Field(description="Scores that landed before this instant were paid by this epoch")
    closed_at: datetime
    activates_at: int | None = Field(description="Chain time (Unix seconds) the root pays from; null until proposed")
    report_cid: str = Field(description="The pinned epoch report: every input, term and amount")

    @classmethod
    def of(cls, earning: EpochEarning) -> "EpochEarningPublic":
        """The public view of `earning`."""
        return cls(
            epoch=earning.epoch, status=str(earning.status), amount=str(earning.amount),
            amount_display=earning.amount_display, cumulative=str(earning.cumulative),
            cumulative_display=earning.cumulative_display, contributions=earning.contributions,
            contributions_paid=earning.contributions_paid, cutoff=earning.cutoff, closed_at=earning.closed_at,
            activates_at=earning.activates_at, report_cid=earning.report_cid,
        )  # fmt: skip
