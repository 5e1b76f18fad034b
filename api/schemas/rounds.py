"""Response models of training rounds (`/rounds`): the approved datasets, the pinned lineage, the deletion feed."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.pages import Page
from governance.rounds.approvals import Approval
from governance.rounds.withdrawals import RoundWithdrawals


class RoundDatasetPublic(BaseModel):
    """One approved dataset of a round, as the registry's event says, with our row if we built it."""

    root: str
    manifest_cid: str
    block_number: int
    tx_hash: str
    dataset_id: int | None
    name: str | None
    item_count: int | None

    @classmethod
    def of(cls, approval: Approval) -> "RoundDatasetPublic":
        """The public view of one approval."""
        dataset = approval.dataset
        return cls(
            root=approval.root, manifest_cid=approval.manifest_cid, block_number=approval.block_number,
            tx_hash=approval.tx_hash, dataset_id=dataset.id if dataset else None,
            name=dataset.name if dataset else None, item_count=dataset.item_count if dataset else None,
        )  # fmt: skip


class RoundPublic(BaseModel):
    """`GET /rounds/{n}`: the datasets approved for round n, from the indexed chain events."""

    round: int
    chain_id: int
    registry: str
    datasets: list[RoundDatasetPublic]


class LineagePinnedPublic(BaseModel):
    """`POST /rounds/{n}/lineage`: the round's lineage document, pinned, and its CID."""

    round: int
    lineage_cid: str


class WithdrawalPublic(BaseModel):
    """One thing that left the round since its approval: delete it from what you pulled."""

    contribution_id: int
    record: int | None = Field(description="The record's number in the file; null: the whole contribution.")
    reason: Literal["revoked", "review_rejected"] = Field(
        description="revoked: its contributor withdrew consent (record null); review_rejected: a majority of its "
        "reviewers rejected that record."
    )
    at: datetime = Field(
        description="When it left: the revocation's time, or when its reviewers' majority was reached."
    )
    tx_hash: str | None = Field(
        description="The transaction that anchored the withdrawn contribution's claim (revocations are signed, "
        "see /tombstones, not anchored); null if it never was."
    )


class RoundWithdrawalsPublic(Page[WithdrawalPublic]):
    """`GET /rounds/{n}/withdrawals`: the round's deletion feed, oldest first, a page of it like every list."""

    round: int
    as_of: datetime

    @classmethod
    def of_feed(cls, feed: RoundWithdrawals, *, offset: int, limit: int) -> "RoundWithdrawalsPublic":
        """One page of a round's deletion feed."""
        items = [WithdrawalPublic.model_validate(item, from_attributes=True) for item in feed.items]
        return cls(
            round=feed.round, as_of=feed.as_of, items=items[offset : offset + limit], total=len(items),
            offset=offset, limit=limit,
        )  # fmt: skip
