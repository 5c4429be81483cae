"""The caller's address: the socket peer, or the X-Forwarded-For hop our own proxies vouch for."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def trusted_networks(listed: str) -> tuple[Network, ...]:
    """`JOBSHOTS_TRUSTED_PROXIES` (comma-separated addresses or CIDR ranges) as networks."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in listed.split(",")
        if item.strip()
    )


def client_address(scope: Scope, trusted: tuple[Network, ...]) -> str | None:
    """The socket peer; behind trusted proxies, the right-most forwarded hop that is not one."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    if not trusted or peer is None or not _listed(_address(peer), trusted):
        return peer
    forwarded = _forwarded_for(scope["headers"])
    nearest = peer
    for hop in reversed(forwarded):
        address = _address(hop)
        if address is None:
            # Only a client writes junk (each proxy appends a real address): stop at the proxy.
            return nearest
        nearest = str(address)
        if not _listed(address, trusted):
            return nearest
    return nearest


def _forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """Every hop of every X-Forwarded-For header, in order (several headers are one list)."""
    hops: list[str] = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            hops.extend(part.strip() for part in value.decode("latin-1").split(","))
    return hops


def _address(text: str) -> Address | None:
    """An address as a proxy writes it: bare, `[v6]:port` or `v4:port`; None if it is not one."""
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _listed(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)
