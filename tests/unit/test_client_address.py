"""The caller's address: X-Forwarded-For believed only as far as listed proxies vouch for it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jobshots.config import Settings
from jobshots.http.client_address import client_address, trusted_networks

PROXIES = trusted_networks("127.0.0.1, 10.0.0.0/8, fd00::/8")


def _scope(peer: str | None, *forwarded: str) -> dict[str, object]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"client": (peer, 50000) if peer else None, "headers": headers}


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # A peer that is not a listed proxy: its header is a forgery.
        ("198.51.100.9", ["10.0.0.1"], "198.51.100.9"),
        # Behind one proxy: the address it appended.
        ("127.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        # The client's own claims sit left of what the proxy appended, and are passed over.
        ("127.0.0.1", ["198.18.0.1, 203.0.113.7"], "203.0.113.7"),
        # Behind two proxies: the right-most hop that is not one of them.
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], "203.0.113.7"),
        # Several headers are one list, in order.
        ("127.0.0.1", ["198.18.0.1", "203.0.113.7, 10.1.2.3"], "203.0.113.7"),
        # Ports and IPv6 brackets as proxies write them.
        ("127.0.0.1", ["[2001:db8::5]:4711"], "2001:db8::5"),
        ("127.0.0.1", ["203.0.113.7:4711"], "203.0.113.7"),
        ("fd00::1", ["2001:db8::5"], "2001:db8::5"),
        # Junk where an address should be: the nearest proxy's address, never the junk.
        ("127.0.0.1", ["203.0.113.7, not-an-address, 10.9.9.9"], "10.9.9.9"),
        ("127.0.0.1", ["<script>"], "127.0.0.1"),
        # A listed proxy without the header, or only proxies in it: the left-most proxy.
        ("127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", ["10.0.0.2, 10.0.0.1"], "10.0.0.2"),
        (None, ["203.0.113.7"], None),
    ],
)
def test_the_client_address_is_the_first_hop_no_trusted_proxy_vouches_past(
    peer: str | None, forwarded: list[str], expected: str | None
) -> None:
    assert client_address(_scope(peer, *forwarded), PROXIES) == expected


def test_with_no_proxies_listed_the_header_is_never_read() -> None:
    assert client_address(_scope("127.0.0.1", "203.0.113.7"), ()) == "127.0.0.1"


def test_trusted_proxies_default_to_none_and_refuse_what_is_not_an_address() -> None:
    assert Settings(dev=True).trusted_proxies == ""
    assert trusted_networks("") == ()
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(dev=True, trusted_proxies="10.0.0.0/8, proxy.example.com")


def test_rate_limits_are_on_by_default_and_zero_turns_one_off() -> None:
    defaults = Settings(dev=True)
    assert defaults.rate_limit_per_key > 0
    assert defaults.rate_limit_per_ip > 0
    assert Settings(dev=True, rate_limit_per_ip=0).rate_limit_per_ip == 0
    with pytest.raises(ValidationError):
        Settings(dev=True, rate_limit_window_seconds=0)
