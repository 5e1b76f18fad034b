"""Request and response models of datasets, rounds and models."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from governance.datasets import LEAF_ENCODING, MAX_SCORE
from governance.rounds import Approval
from polyphony.models.dataset import Dataset, Model


class DatasetCreate(BaseModel):
    """`POST /datasets`: a name, and filters every member must meet (an empty list filters nothing)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    min_score: int = Field(default=0, ge=0, le=MAX_SCORE, description="Lowest score (0-10000) a member may have.")
    languages: list[str] = Field(default_factory=list, max_length=100, description="Language tags, e.g. en.")
    licenses: list[str] = Field(default_factory=list, max_length=100, description="SPDX license ids.")
    modalities: list[str] = Field(default_factory=list, max_length=3, description="text, tabular or image.")
    contribution_ids: list[int] = Field(default_factory=list, max_length=100_000, description="Only these.")


class DatasetPublic(BaseModel):
    """A dataset: its filters, its pinned manifest and the Merkle root a proposal binds to."""

    id: int
    name: str
    description: str
    curator: str
    filters: dict[str, Any]
    item_count: int
    root: str
    manifest_cid: str
    leaf_encoding: list[str] = Field(default_factory=lambda: list(LEAF_ENCODING))
    approved_round: int | None
    created_at: datetime
    contribution_ids: list[int] = Field(default_factory=list)

    @classmethod
    def of(cls, dataset: Dataset, contribution_ids: list[int] | None = None) -> "DatasetPublic":
        """The public view of `dataset`, with its members when given."""
        return cls.model_validate(
            {**dataset.model_dump(), "contribution_ids": contribution_ids or []}, from_attributes=True
        )


class DatasetPagePublic(BaseModel):
    items: list[DatasetPublic]
    offset: int
    limit: int


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


class ModelRegistration(BaseModel):
    """`POST /models`: the transaction that called `DatasetRegistry.registerModel`."""

    tx_hash: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")


class ModelPublic(BaseModel):
    """A model registered on-chain against a round."""

    id: int
    round: int
    model_cid: str
    lineage_cid: str
    registrant: str
    tx_hash: str
    block_number: int
    registered_at: datetime

    @classmethod
    def of(cls, model: Model) -> "ModelPublic":
        """The public view of `model`."""
        return cls.model_validate(model, from_attributes=True)


class ModelLineagePublic(BaseModel):
    """`GET /models/{id}/lineage`: the round, datasets, contributions and contributors behind a model."""

    model: ModelPublic
    round: int
    datasets: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    contributors: list[str]
    dropped: list[int]
