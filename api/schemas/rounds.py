"""Response models of training rounds (`/rounds`): the approved datasets and the pinned lineage."""

from pydantic import BaseModel

from governance.rounds.approvals import Approval


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
