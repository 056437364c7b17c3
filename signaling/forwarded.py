"""Who the client really is behind a reverse proxy: the trusted-proxies rule, pure and time-free.

Only a peer inside ``trusted_proxies`` is believed about the client. Its ``X-Forwarded-For``
(or RFC 7239 ``Forwarded``) lists the hops left to right; each proxy appends the address that
connected to it. Walking from the right, trusted proxies are skipped and the first address that
is not trusted is the client: anything left of it was written by that client and may be forged.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_PORT = re.compile(r"^(?P<host>[0-9.]+):\d+$")  # "192.0.2.1:4711" (RFC 7239 §6)


class ProxyHeader(StrEnum):
    """The header the operator's proxy writes; the other one is never read (a client could)."""

    X_FORWARDED_FOR = "x-forwarded-for"
    FORWARDED = "forwarded"


@dataclass(frozen=True, slots=True)
class Client:
    address: str
    scheme: str  # "https" when the client's side of the connection is TLS


def parse_networks(texts: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses); raises ValueError naming the bad one."""
    networks = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP network such as 10.0.0.0/8") from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as a proxy writes it (bare, "[v6]", quoted, with a port), or None."""
    text = text.strip().strip('"')
    if text.startswith("["):  # "[2001:db8::1]:4711"
        text = text[1:].partition("]")[0]
    elif match := _PORT.match(text):
        text = match["host"]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's "::ffff:10.0.0.1" is 10.0.0.1
    return address


def within(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


@dataclass(frozen=True, slots=True)
class ProxyTrust:
    """Resolves the real client of a request from its peer and, if trusted, its proxy's header."""

    trusted: tuple[Network, ...]
    header: ProxyHeader = ProxyHeader.X_FORWARDED_FOR

    def client(self, peer: str | None, scheme: str, headers: Mapping[str, str]) -> Client:
        peer_address = parse_address(peer) if peer else None
        if peer_address is None or not within(peer_address, self.trusted):
            return Client(peer or "unknown", scheme)
        if self.header is ProxyHeader.FORWARDED:
            hops = _forwarded_hops(headers.get("Forwarded", ""))
        else:
            proto = _last(headers.get("X-Forwarded-Proto", ""))
            hops = [(entry, proto) for entry in headers.get("X-Forwarded-For", "").split(",")]
        return self._walk(peer_address, scheme, hops)

    def _walk(self, peer: Address, scheme: str, hops: list[tuple[str, str | None]]) -> Client:
        # The nearest hop's scheme is what our trusted proxy was told by the one before it.
        client, client_scheme = peer, scheme
        for text, proto in reversed(hops):
            address = parse_address(text)
            if address is None:
                break  # garbage (or "unknown"): the last hop we could read is as far as we know
            client = address
            if proto in ("http", "https"):
                client_scheme = proto
            if not within(address, self.trusted):
                break
        return Client(str(client), client_scheme)


def _last(text: str) -> str | None:
    values = [v.strip().lower() for v in text.split(",") if v.strip()]
    return values[-1] if values else None


def _forwarded_hops(text: str) -> list[tuple[str, str | None]]:
    """RFC 7239 §4: comma-separated elements of ``;``-separated ``name=value`` pairs."""
    hops = []
    for element in text.split(","):
        pairs = {}
        for pair in element.split(";"):
            name, _, value = pair.partition("=")
            pairs[name.strip().lower()] = value.strip().strip('"')
        if "for" in pairs:
            hops.append((pairs["for"], pairs.get("proto", "").lower() or None))
    return hops
