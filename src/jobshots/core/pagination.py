"""The one paging rule every list follows, and the page it gives back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from jobshots.core.errors import Invalid
from jobshots.core.ids import INT_MAX

T = TypeVar("T")


@dataclass(frozen=True)
class Placing:
    """Where a page sits in the whole result."""

    page: int  # 1-based
    per_page: int
    total: int

    @property
    def total_pages(self) -> int:
        """How many pages the whole result spans."""
        return -(-self.total // self.per_page)


@dataclass(frozen=True)
class Page(Placing, Generic[T]):
    """One page of items and where it sits in the whole."""

    items: list[T]


@dataclass(frozen=True)
class StreamedPage(Placing, Generic[T]):
    """A page whose items are read as they are rendered, for pages too large to hold at once."""

    items: Iterator[T]

    def held(self) -> Page[T]:
        """The page with every item read: for pages small enough to hold."""
        return Page(
            page=self.page, per_page=self.per_page, total=self.total, items=list(self.items)
        )


@dataclass(frozen=True)
class Window:
    """A checked page request: which rows to read."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        """Rows before this page (a page past any possible row starts past the last)."""
        return min((self.page - 1) * self.per_page, INT_MAX)

    @property
    def limit(self) -> int:
        """Rows on this page."""
        return self.per_page

    def page_of(self, items: list[T], total: int) -> Page[T]:
        """The page these rows make."""
        return Page(items=items, page=self.page, per_page=self.per_page, total=total)

    def stream_of(self, items: Iterator[T], total: int) -> StreamedPage[T]:
        """The page these rows make as they are read."""
        return StreamedPage(items=items, page=self.page, per_page=self.per_page, total=total)


@dataclass(frozen=True)
class PageRequest:
    """A page as a caller asked for it, with the most its API allows on a page.

    The rule: a page or size below 1 is refused, naming the caller's own parameter;
    a size above the maximum is cut to the maximum.
    """

    page: int
    per_page: int
    maximum: int
    page_field: str = "page"
    per_page_field: str = "per_page"

    def window(self) -> Window:
        """The rows to read; Invalid for a page or size below 1."""
        if self.page < 1:
            raise Invalid.field(self.page_field, "must be 1 or more")
        if self.per_page < 1:
            raise Invalid.field(self.per_page_field, "must be 1 or more")
        return Window(page=self.page, per_page=min(self.per_page, self.maximum))


@dataclass(frozen=True)
class SliceRequest:
    """Rows asked for by offset and limit, with the most its API allows at once.

    The same rule as pages: an offset below 0 or a limit below 1 is refused, naming the
    caller's parameter; a limit above the maximum is cut to it.
    """

    offset: int
    limit: int
    maximum: int
    offset_field: str = "offset"
    limit_field: str = "limit"

    def checked(self) -> tuple[int, int]:
        """The offset and limit to read; Invalid for an offset below 0 or a limit below 1."""
        if self.offset < 0:
            raise Invalid.field(self.offset_field, "must be 0 or more")
        if self.limit < 1:
            raise Invalid.field(self.limit_field, "must be 1 or more")
        return min(self.offset, INT_MAX), min(self.limit, self.maximum)
