"""The one shape of every list the API answers: a page of items, where it starts, its size, and the total."""

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """`items` from `offset` on, at most `limit` of them, of `total` in all: the next page starts at offset + limit."""

    items: list[Item]
    total: int
    offset: int
    limit: int

    @classmethod
    def of(cls, items: Sequence[Item], *, total: int, offset: int, limit: int) -> "Page[Item]":
        """The page a list route answers."""
        return cls(items=list(items), total=total, offset=offset, limit=limit)
