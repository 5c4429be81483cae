"""Numbers in text: digits str.isdigit() takes but int() refuses are invalid, never a 500."""

from __future__ import annotations

import pytest

from jobshots.core.amendments.fields import _whole
from jobshots.core.errors import Invalid
from jobshots.dialects.fulcrum.routes import _since
from jobshots.dialects.maintenance.common import whole_number
from jobshots.http.tus import _number

# Superscript one, and Arabic-Indic three (str.isdigit() is true for both).
NOT_ASCII = ["¹", "-²", "٣"]


@pytest.mark.parametrize("text", NOT_ASCII)
def test_a_maintenance_whole_number_in_other_digits_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        whole_number(text, "limit")
    assert whole_number(" -12 ", "limit") == -12


@pytest.mark.parametrize("text", NOT_ASCII)
def test_an_amended_whole_number_in_other_digits_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        _whole("estimated_cost", text)


@pytest.mark.parametrize("text", ["¹", "٣", "99999999999999999999999"])
def test_a_tus_length_in_other_digits_or_too_long_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        _number(text, "Upload-Length")
    assert _number("1024", "Upload-Length") == 1024


@pytest.mark.parametrize("text", ["¹", "99999999999999999999999"])
def test_a_fulcrum_time_in_other_digits_or_past_any_calendar_is_invalid(text: str) -> None:
    with pytest.raises(Invalid):
        _since(text, "updated_since")
    since = _since("1700000000", "updated_since")
    assert since is not None
    assert since.year == 2023
