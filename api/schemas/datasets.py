"""Request and response models of datasets, rounds and models."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.fields import RowId
from governance.datasets.service import LEAF_ENCODING, MAX_SCORE
from polyphony.models.dataset import Dataset


class DatasetCreate(BaseModel):
    """`POST /datasets`: a name, and filters every member must meet (an empty list filters nothing)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    min_score: int = Field(default=0, ge=0, le=MAX_SCORE, description="Lowest score (0-10000) a member may have.")
    languages: list[str] = Field(default_factory=list, max_length=100, description="Language tags, e.g. en.")
    licenses: list[str] = Field(default_factory=list, max_length=100, description="SPDX license ids.")
    modalities: list[str] = Field(default_factory=list, max_length=3, description="text, tabular or image.")
    contribution_ids: list[RowId] = Field(default_factory=list, max_length=100_000, description="Only these.")


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
