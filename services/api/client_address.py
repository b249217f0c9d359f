"""Who is asking, as an address to throttle by.

Behind the load balancer (or a local reverse proxy) every request comes from the proxy's own
address, a private or loopback one; the client's is then the last `X-Forwarded-For` entry,
the one that proxy appended (entries before it are the client's word). A request from a
public address names its own. IPv6 clients are grouped by /64, what one host usually holds.
"""

from __future__ import annotations

import ipaddress

from litestar.connection import ASGIConnection


def client_address(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    peer = connection.client.host if connection.client else ""
    address = _parsed(peer)
    if address is None or address.is_private or address.is_loopback:
        forwarded = connection.headers.get("x-forwarded-for", "")
        last = _parsed(forwarded.rsplit(",", 1)[-1].strip()) if forwarded else None
        address = last or address
    if address is None:
        return peer or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
