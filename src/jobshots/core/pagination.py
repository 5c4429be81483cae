"""Pages of results, the same shape for every dialect to render its own way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items and where it sits in the whole."""

    items: list[T]
    page: int  # 1-based
    per_page: int
    total: int

    @property
    def total_pages(self) -> int:
        """How many pages the whole result spans."""
        return -(-self.total // self.per_page)
