"""Relay candidates from every TURN server the hub lists, over UDP, TCP and TLS.

aiortc 1.16 hands aioice only the first TURN URL of the configuration and drops the rest, and
for `turns:` it verifies the server against the system's CAs only. A kiosk on a closed network
(LGWAN) that passes only TCP 443 then gets no relay when the list starts with `turn:…:3478`.

So aiortc is given no TURN at all (`without_turn`), and this layer gathers a relay candidate
from every `turn:`/`turns:` URL itself, in parallel, into the same aioice `Connection`, as
aiortc gathers (`Relays.install`). ICE then chooses among them as among any candidates: each
relay has its own foundation, and a priority that prefers UDP to TCP to TLS, as libwebrtc does.
But aioice nominates the first pair that works, not the best, so only the relays of the best
transport that answered are offered: UDP whenever UDP reaches a TURN server, else TCP, else TLS.
Gathering from every server at each call, rather than probing once and remembering, keeps no
state that goes stale when a kiosk's network changes and costs no round trip of its own.
Gathering ends when every server has answered, or `GRACE` seconds after the first relay came
(a blocked transport never answers), and at most after `TIMEOUT` seconds. `turns:` servers are
verified against the system's CAs plus the one the engine is told to trust (`tls_context`).
See docs/call-engine.md, ICE and TURN.

What it relies on in aioice/aiortc is named in `AIOICE_INTERNALS`; tests/call/test_relays.py
checks each against real objects, so an upgrade that moves one fails there first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from aioice import Candidate
from aioice.candidate import candidate_foundation, candidate_priority
from aioice.ice import Connection, StunProtocol
from aioice.turn import create_turn_endpoint
from aiortc import RTCPeerConnection
from aiortc.rtcicetransport import parse_stun_turn_uri

from signaling.protocol import IceServer

logger = logging.getLogger(__name__)

TIMEOUT: Final = 5.0  # seconds for a whole gathering, as aioice allows STUN and TURN
GRACE: Final = 1.0  # seconds the other servers get once one relay is in
CLOSE_TIMEOUT: Final = 1.0  # seconds to release an allocation not offered

# RFC 8445 section 5.1.2.1: the local preference orders candidates of one type; libwebrtc
# prefers relays reached over UDP, then TCP, then TLS, and so do we.
_LOCAL_PREFERENCE: Final = {("udp", False): 65535, ("tcp", False): 65279, ("tcp", True): 65023}

AIOICE_INTERNALS: Final = (
    ("aiortc.RTCIceGatherer", "_connection", "the aioice Connection that gathers"),
    ("aioice.Connection", "get_component_candidates", "called once per component to gather"),
    ("aioice.Connection", "_protocols", "one StunProtocol per local candidate"),
    ("aioice.Connection", "_nominated", "the nominated pair per component"),
)


@dataclass(frozen=True, slots=True)
class TurnServer:
    """One TURN URL with its credentials, as aioice needs it."""

    url: str
    host: str
    port: int
    transport: Literal["udp", "tcp"]
    tls: bool
    username: str = field(repr=False)  # never in a log line
    password: str = field(repr=False)

    @property
    def local_preference(self) -> int:
        return _LOCAL_PREFERENCE[(self.transport, self.tls)]


def turn_servers(ice_servers: Sequence[IceServer]) -> list[TurnServer]:
    """Every usable TURN URL in the hub's list; a malformed or unsupported one is logged."""
    servers = []
    for server in ice_servers:
        for url in server.urls:
            if not url.startswith("turn"):
                continue
            try:
                parsed = parse_stun_turn_uri(url)
            except ValueError:
                logger.warning("= TURN URL %r is malformed; skipped", url)
                continue
            transport, tls = parsed["transport"], parsed["scheme"] == "turns"
            if (transport, tls) not in _LOCAL_PREFERENCE:
                logger.warning("= TURN URL %r: no such transport; skipped", url)
                continue
            if server.username is None or server.credential is None:
                logger.warning("= TURN URL %r has no credentials; skipped", url)
                continue
            servers.append(
                TurnServer(
                    url, parsed["host"], parsed["port"], transport, tls, server.username,
                    server.credential,
                )
            )  # fmt: skip
    return servers


def without_turn(ice_servers: Sequence[IceServer]) -> list[IceServer]:
    """The hub's list for aiortc: its STUN URLs only, as the relays are gathered here."""
    kept = []
    for server in ice_servers:
        urls = [url for url in server.urls if not url.startswith("turn")]
        if urls:
            kept.append(
                IceServer(urls=urls, username=server.username, credential=server.credential)
            )
    return kept


@functools.cache
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's CAs, plus a city's private CA (or a self-signed TURN certificate) if given."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


async def relay_candidate(
    connection: Connection, component: int, server: TurnServer, tls: ssl.SSLContext
) -> StunProtocol:
    """Allocate on `server`: a socket for `connection` whose `local_candidate` is the relay."""
    _, protocol = await create_turn_endpoint(
        lambda: StunProtocol(connection),
        server_addr=(server.host, server.port),
        username=server.username,
        password=server.password,
        ssl=tls if server.tls else None,
        transport=server.transport,
    )
    relayed = protocol.transport.get_extra_info("sockname")
    related = protocol.transport.get_extra_info("related_address")
    # The foundation tells relays of different servers and transports apart (RFC 8445
    # section 5.1.1.3), so ICE unfreezes each of them at once instead of one after another.
    base = f"{relayed[0]}|{server.url}"
    protocol.local_candidate = Candidate(
        foundation=candidate_foundation("relay", "udp", base),
        component=component,
        transport="udp",
        priority=candidate_priority(component, "relay", server.local_preference),
        host=relayed[0],
        port=relayed[1],
        type="relay",
        related_address=related[0],
        related_port=related[1],
    )
    return protocol


class Relays:
    """The TURN servers of one peer connection, and which relay came from which."""

    def __init__(
        self,
        servers: Sequence[TurnServer],
        tls: ssl.SSLContext,
        *,
        timeout: float = TIMEOUT,
        grace: float = GRACE,
    ) -> None:
        self.servers = list(servers)
        self.tls = tls
        self.timeout = timeout
        self.grace = grace
        self._via: dict[tuple[str, int], TurnServer] = {}  # relayed address -> its server
        self._wrapped: set[int] = set()  # ids of the Connections already gathering here

    def install(self, pc: RTCPeerConnection) -> None:
        """Make `pc`'s gathering add a relay from every server; call before setLocalDescription.

        aioice gathers in `gather_candidates`, which asks `get_component_candidates` for each
        component; wrapping that method on the instance gathers the relays alongside aioice's
        host and STUN candidates, in parallel, into the lists it returns.
        """
        if not self.servers:
            return
        for connection in _connections(pc):
            if id(connection) in self._wrapped:
                continue  # a renegotiation of the same transport gathers nothing new
            self._wrapped.add(id(connection))
            original = connection.get_component_candidates

            async def with_relays(
                component: int,
                addresses: list[str],
                timeout: int = 5,  # noqa: ASYNC109 (aioice's signature)
                *,
                _connection: Connection = connection,
                _original: Callable[..., Awaitable[list[Candidate]]] = original,
            ) -> list[Candidate]:
                own, relays = await asyncio.gather(
                    _original(component=component, addresses=addresses, timeout=timeout),
                    self.gather(_connection, component),
                )
                return [*own, *relays]

            connection.get_component_candidates = with_relays  # type: ignore[method-assign]

    async def gather(self, connection: Connection, component: int) -> list[Candidate]:
        """Relays from every server that answers in time, of the best transport that did."""
        loop = asyncio.get_running_loop()
        pending = {
            loop.create_task(relay_candidate(connection, component, server, self.tls)): server
            for server in self.servers
        }
        found: dict[TurnServer, StunProtocol] = {}
        deadline = loop.time() + self.timeout
        while pending and loop.time() < deadline:
            done, _ = await asyncio.wait(
                pending, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                server = pending.pop(task)
                error = task.exception()
                if error is None:
                    found[server] = task.result()
                else:
                    logger.info("= no relay via %s: %r", server.url, error)
            if found:
                deadline = min(deadline, loop.time() + self.grace)
        for task, server in pending.items():
            logger.info("= no relay via %s in time", server.url)
            task.cancel()  # create_turn_endpoint closes its socket when cancelled
        await asyncio.gather(*pending, return_exceptions=True)
        return await self._keep_the_best(connection, found)

    async def _keep_the_best(
        self, connection: Connection, found: dict[TurnServer, StunProtocol]
    ) -> list[Candidate]:
        # aioice nominates aggressively: the first pair whose check succeeds carries the call.
        # Offering a TCP or TLS relay beside a working UDP one would let it win by timing, so
        # only the relays of the most preferred transport that answered are kept.
        best = max((server.local_preference for server in found), default=0)
        kept = []
        for server, protocol in found.items():
            if server.local_preference == best:
                candidate = protocol.local_candidate
                self._via[(candidate.host, candidate.port)] = server
                connection._protocols.append(protocol)
                kept.append(candidate)
                logger.info("= relay %s:%d via %s", candidate.host, candidate.port, server.url)
            else:
                logger.info("= relay via %s not offered: a better transport works", server.url)
                try:
                    await asyncio.wait_for(protocol.close(), CLOSE_TIMEOUT)  # frees the allocation
                except TimeoutError:
                    logger.info("= relay via %s still closing; left to coturn's expiry", server.url)
        return kept

    def in_use(self, pc: RTCPeerConnection) -> TurnServer | None:
        """The TURN server carrying the call now; None when it goes direct or is not up yet."""
        for connection in _connections(pc):
            nominated: dict[int, Any] = connection._nominated
            for pair in nominated.values():
                candidate = pair.protocol.local_candidate
                if candidate.type == "relay":
                    return self._via.get((candidate.host, candidate.port))
        return None


def _connections(pc: RTCPeerConnection) -> list[Connection]:
    """The aioice Connections of a peer connection's ICE transports (one with max-bundle)."""
    transports = [t.receiver.transport.transport for t in pc.getTransceivers()]
    if pc.sctp is not None:
        transports.append(pc.sctp.transport.transport)
    gatherers = {id(t.iceGatherer): t.iceGatherer for t in transports}
    return [gatherer._connection for gatherer in gatherers.values()]
