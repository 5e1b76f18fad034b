"""Request and response models of trained models (`/models`) and their lineage."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from polyphony.models.dataset import Model


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


class ModelsRecordedPublic(BaseModel):
    """`POST /models`: the transaction read and the models it registered (one transaction may register several)."""

    tx_hash: str
    models: list[ModelPublic]


class ModelLineagePublic(BaseModel):
    """`GET /models/{id}/lineage`: the round, datasets, contributions and contributors behind a model."""

    model: ModelPublic
    round: int
    datasets: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    contributors: list[str]
    dropped: list[int]
