"""Request and response models of datasets, rounds and models."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.fields import RowId
from governance.datasets.preview import SelectionPreview
from governance.datasets.service import LEAF_ENCODING, MAX_SCORE, DatasetFilters
from polyphony.models.dataset import Dataset


class DatasetSelection(BaseModel):
    """The filters every member must meet (an empty list filters nothing): the one filter model of
    `POST /datasets` (in its body) and `GET /datasets/preview` (as query parameters, lists repeated)."""

    min_score: int = Field(default=0, ge=0, le=MAX_SCORE, description="Lowest score (0-10000) a member may have.")
    languages: list[str] = Field(default_factory=list, max_length=100, description="Language tags, e.g. en.")
    licenses: list[str] = Field(default_factory=list, max_length=100, description="SPDX license ids.")
    modalities: list[str] = Field(default_factory=list, max_length=3, description="text, tabular or image.")
    contribution_ids: list[RowId] = Field(default_factory=list, max_length=100_000, description="Only these.")
    contributors: list[str] = Field(default_factory=list, max_length=1000, description="Only theirs (0x addresses).")
    uploaded_from: datetime | None = Field(default=None, description="Uploaded at or after (ISO 8601; UTC if no zone).")
    uploaded_to: datetime | None = Field(default=None, description="Uploaded before (ISO 8601; UTC if no zone).")

    def filters(self) -> DatasetFilters:
        """The filters in canonical form; 400 `invalid_filters` for impossible ones."""
        return DatasetFilters.checked(
            min_score=self.min_score, languages=self.languages, licenses=self.licenses, modalities=self.modalities,
            contribution_ids=self.contribution_ids, contributors=self.contributors,
            uploaded_from=self.uploaded_from, uploaded_to=self.uploaded_to,
        )  # fmt: skip


class DatasetCreate(DatasetSelection):
    """`POST /datasets`: a name, and the filters every member must meet."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)


class SelectionPreviewPublic(BaseModel):
    """`GET /datasets/preview`: what the filters select now, counted; nothing is built or pinned."""

    contributions: int
    documents: int = Field(description="Documents a pull would write: the kept ones, 1 per file judged whole")
    bytes: int = Field(description="The selected files' bytes")
    bytes_display: str = Field(description="The size as a person reads it, e.g. `1.5 MiB`")
    contributors: int = Field(description="Distinct contributors")
    languages: dict[str, int] = Field(description="Contributions per language tag (und: unknown)")
    licenses: dict[str, int] = Field(description="Contributions per SPDX license id")
    modalities: dict[str, int] = Field(description="Contributions per modality")
    filters: dict[str, Any] = Field(description="The filters, as the dataset records them (or would, made now)")

    @classmethod
    def of(cls, preview: SelectionPreview, filters: dict[str, Any]) -> "SelectionPreviewPublic":
        """The public view of `preview`."""
        return cls(**asdict(preview), bytes_display=preview.bytes_display, filters=filters)


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
