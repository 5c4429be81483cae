"""The one paging rule: below 1 is refused in the caller's own words, above the maximum is cut."""

from __future__ import annotations

import pytest

from jobshots.core.errors import Invalid
from jobshots.core.pagination import PageRequest


def test_a_page_within_the_rule_reads_its_rows() -> None:
    window = PageRequest(3, 20, maximum=100).window()
    assert (window.offset, window.limit) == (40, 20)
    page = window.page_of(["a", "b"], total=42)
    assert (page.page, page.per_page, page.total, page.total_pages) == (3, 20, 42, 3)


def test_a_size_above_the_maximum_is_cut_to_it() -> None:
    assert PageRequest(1, 5000, maximum=1000).window().limit == 1000


@pytest.mark.parametrize(("page", "size", "field"), [(0, 10, "page"), (1, 0, "limit")])
def test_below_one_is_refused_naming_the_apis_parameter(page: int, size: int, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        PageRequest(page, size, maximum=100, per_page_field="limit").window()
    assert caught.value.fields == {field: ["must be 1 or more"]}
