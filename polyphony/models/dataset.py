"""A dataset: a curated set of scored contributions, its Croissant manifest on storage and its Merkle root.

A dataset is immutable once built: its members, manifest CID and root never change. Governance approves a
dataset for a training round by its (root, manifest CID). A model names the round it was trained on.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class Dataset(SQLModel, table=True):
    """Contributions chosen by filters, listed in a pinned Croissant manifest with a Merkle root over them."""

    __tablename__ = "dataset"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    curator: str = Field(max_length=42, index=True)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    item_count: int
    root: str = Field(max_length=66, index=True)  # 0x-hex Merkle root over the included contributions
    manifest_cid: str = Field(max_length=100, index=True)
    # Set when the dataset registry's approval event for this (root, manifest CID) is indexed.
    approved_round: int | None = Field(default=None, sa_type=BigInteger, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class DatasetItem(SQLModel, table=True):
    """One contribution in a dataset, as the manifest lists it (its leaf in the dataset's tree)."""

    __tablename__ = "dataset_item"

    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", primary_key=True, index=True)
    leaf: str = Field(max_length=66)


class Model(SQLModel, table=True):
    """A model registered on the dataset registry against a training round, as its `ModelRegistered` event says."""

    __tablename__ = "model"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index"),)

    id: int | None = Field(default=None, primary_key=True)
    round: int = Field(sa_type=BigInteger, index=True)
    model_cid: str = Field(max_length=200, index=True)
    lineage_cid: str = Field(max_length=200)
    registrant: str = Field(max_length=42, index=True)
    tx_hash: str = Field(max_length=66)
    log_index: int
    block_number: int = Field(sa_type=BigInteger)
    registered_at: datetime = Field(default_factory=utcnow)
