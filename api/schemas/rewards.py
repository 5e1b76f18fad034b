"""Request and response models of the reward routes: `/rewards` and `/epochs`."""

from datetime import datetime

from pydantic import BaseModel, Field

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
