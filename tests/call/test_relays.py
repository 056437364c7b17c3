"""call.relays: every TURN URL parsed, aiortc given STUN only, and the aioice seams it uses.

The relays themselves are gathered from a real coturn in tests/call/test_turn.py.
"""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from aioice.candidate import candidate_priority
from aiortc import RTCPeerConnection
from aiortc.rtcicetransport import RTCIceGatherer

from call.peer import rtc_configuration
from call.relays import (
    AIOICE_INTERNALS,
    Relays,
    TurnServer,
    tls_context,
    turn_servers,
    without_turn,
)
from signaling import protocol as p

UDP = "turn:turn.city.example:3478?transport=udp"
TCP = "turn:turn.city.example:3478?transport=tcp"
TLS = "turns:turn.city.example:443?transport=tcp"


def hub_list(*turn: str) -> list[p.IceServer]:
    return [
        p.IceServer(urls=["stun:turn.city.example:3478"]),
        p.IceServer(urls=list(turn), username="1700000000:k-1", credential="c"),
    ]


def test_every_turn_url_the_hub_lists_becomes_a_server_with_its_credentials() -> None:
    servers = turn_servers(hub_list(UDP, TCP, TLS))

    assert servers == [
        TurnServer(UDP, "turn.city.example", 3478, "udp", False, "1700000000:k-1", "c"),
        TurnServer(TCP, "turn.city.example", 3478, "tcp", False, "1700000000:k-1", "c"),
        TurnServer(TLS, "turn.city.example", 443, "tcp", True, "1700000000:k-1", "c"),
    ]


def test_a_turn_url_without_a_transport_takes_the_schemes_default() -> None:
    servers = turn_servers(hub_list("turn:t.example", "turns:t.example"))

    assert [(s.port, s.transport, s.tls) for s in servers] == [
        (3478, "udp", False),
        (5349, "tcp", True),
    ]


def test_unusable_turn_urls_are_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "call.relays")
    ice_servers = [
        *hub_list("turn:t.example?transport=sctp", "turns:t.example?transport=udp", "turn:"),
        p.IceServer(urls=[UDP]),  # no credentials
    ]

    assert turn_servers(ice_servers) == []
    assert len(caplog.records) == 4


def test_relays_over_udp_are_preferred_to_tcp_and_tcp_to_tls() -> None:
    udp, tcp, tls = turn_servers(hub_list(UDP, TCP, TLS))
    priorities = [candidate_priority(1, "relay", s.local_preference) for s in (udp, tcp, tls)]

    assert priorities == sorted(priorities, reverse=True)
    assert len(set(priorities)) == 3
    # ... and every relay stays below any host or server-reflexive candidate.
    assert max(priorities) < candidate_priority(1, "srflx", 0)


def test_aiortc_is_given_the_stun_urls_only() -> None:
    assert without_turn(hub_list(UDP, TLS)) == [p.IceServer(urls=["stun:turn.city.example:3478"])]
    gatherer = RTCIceGatherer(rtc_configuration(hub_list(UDP, TLS)).iceServers)
    assert gatherer._connection.stun_server == ("turn.city.example", 3478)
    assert gatherer._connection.turn_server is None


def test_a_private_ca_is_trusted_besides_the_systems(tmp_path: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=Madoguchi City Private CA",
            "-keyout", str(tmp_path / "ca.key"), "-out", str(tmp_path / "ca.crt"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    system = tls_context(None)
    private = tls_context(str(tmp_path / "ca.crt"))

    subjects = [dict(x[0] for x in ca["subject"]) for ca in private.get_ca_certs()]
    assert {"commonName": "Madoguchi City Private CA"} in subjects
    assert private.verify_mode == ssl.CERT_REQUIRED
    assert private.check_hostname
    assert len(private.get_ca_certs()) == len(system.get_ca_certs()) + 1


async def test_the_aioice_seams_the_relays_use_are_still_there() -> None:
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTransceiver("audio")
    pc.addTransceiver("video")
    pc.createDataChannel("control")
    gatherers = {t.receiver.transport.transport.iceGatherer for t in pc.getTransceivers()}
    (gatherer,) = gatherers  # max-bundle: one ICE transport for everything
    connection = gatherer._connection

    assert callable(connection.get_component_candidates)
    assert isinstance(connection._protocols, list)
    assert isinstance(connection._nominated, dict)
    assert {attribute for _, attribute, _ in AIOICE_INTERNALS} == {
        "_connection",
        "get_component_candidates",
        "_protocols",
        "_nominated",
    }
    await pc.close()


async def test_an_unreachable_turn_server_leaves_the_host_candidates_alone() -> None:
    with socket.socket() as unused:  # a port nobody listens on: TCP is refused at once
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    server = TurnServer(
        f"turn:127.0.0.1:{port}?transport=tcp", "127.0.0.1", port, "tcp", False, "u", "p"
    )
    relays = Relays([server], tls_context(None))
    pc = RTCPeerConnection(rtc_configuration([]))
    try:
        pc.addTransceiver("audio")
        relays.install(pc)
        relays.install(pc)  # a second install (renegotiation) wraps nothing twice
        await pc.setLocalDescription(await pc.createOffer())

        sdp = pc.localDescription.sdp
        assert " typ host" in sdp
        assert " typ relay" not in sdp
        assert relays.in_use(pc) is None
    finally:
        await pc.close()
