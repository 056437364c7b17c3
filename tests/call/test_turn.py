"""TURN on every transport, against Debian's coturn running deploy/coturn/turnserver.conf.

The lab (tests/netns.py) has three network namespaces, as in a city's three-layer network:
a DMZ with the hub and coturn at 10.213.1.1, a kiosk network and a staff network, each joined
to the DMZ by a veth. The DMZ does not forward, so the kiosk and the staff PC cannot reach each
other: a call connects only through coturn, relay to relay. The hub listens inside the DMZ from
this process (a socket opened there); coturn and two `madoguchi-bot` engines run as processes
in their namespaces. A call counts as connected when camera frames and audio arrive at both
ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from call.bot import SUMMARY_PREFIX
from signaling.app import create_app
from signaling.demo import DemoCredentials
from signaling.settings import Settings
from tests.fixtures.engines import STAFF, seed_one_of_each
from tests.netns import Lab, accepts, listening_socket, missing_tools

ROOT = Path(__file__).resolve().parents[2]
TURN_CONFIG = ROOT / "deploy" / "coturn" / "turnserver.conf"
SERVICE = "10.213.1.1"  # the DMZ's address: the hub and coturn
SERVICE_V6 = "fd21:213:1::1"
KIOSK = "10.213.1.2"
STAFF_PC = "10.213.2.2"
SECRET = "lab-turn-secret"
UDP = f"turn:{SERVICE}:3478?transport=udp"
TCP = f"turn:{SERVICE}:3478?transport=tcp"
TLS = f"turns:{SERVICE}:443?transport=tcp"
# The lines of turnserver.conf marked SITE, which every installation fills in for itself.
SITE_KEYS = {"listening-ip", "relay-ip", "external-ip", "allowed-peer-ip", "static-auth-secret"}
SITE_KEYS |= {"realm", "cert", "pkey", "syslog", "log-file"}
STEP = 20.0  # seconds for one step of a bot; the whole call stays well inside a test's budget

pytestmark = pytest.mark.skipif(
    missing_tools() is not None or shutil.which("turnserver") is None,
    reason=missing_tools() or "coturn (turnserver) is not installed",
)


@dataclass
class TurnLab:
    lab: Lab
    dmz: str
    kiosk: str
    staff: str
    ca_file: Path


@pytest.fixture
def turn_lab(tmp_path: Path) -> Iterator[TurnLab]:
    """The three namespaces and coturn in the DMZ, on 3478 (UDP, TCP) and 443 (TLS)."""
    lab = Lab()
    try:
        dmz, kiosk, staff = lab.namespace("dmz"), lab.namespace("kiosk"), lab.namespace("staff")
        lab.link(
            dmz, [f"{SERVICE}/24", f"{SERVICE_V6}/64"], kiosk, [f"{KIOSK}/24", "fd21:213:1::2/64"]
        )
        lab.link(dmz, ["10.213.2.1/24"], staff, [f"{STAFF_PC}/24"])
        lab.route(staff, f"{SERVICE}/32", "10.213.2.1")  # the staff PC knows only the DMZ
        ca_file = self_signed_certificate(tmp_path)
        config = tmp_path / "turnserver.conf"
        config.write_text(lab_turn_config(tmp_path, ca_file))
        lab.start(dmz, "turnserver", "-c", str(config), log=tmp_path / "coturn.log")
        deadline = time.monotonic() + STEP
        while not (accepts(kiosk, SERVICE, 3478) and accepts(kiosk, SERVICE, 443)):
            assert time.monotonic() < deadline, (tmp_path / "coturn.log").read_text()
            time.sleep(0.1)
        yield TurnLab(lab, dmz, kiosk, staff, ca_file)
    finally:
        lab.close()


def self_signed_certificate(folder: Path) -> Path:
    """coturn's certificate for the service address; the engines are told to trust it."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=turn.madoguchi.test",
            "-addext", f"subjectAltName=IP:{SERVICE}",
            "-keyout", str(folder / "turn.key"), "-out", str(folder / "turn.crt"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return folder / "turn.crt"


def lab_turn_config(folder: Path, certificate: Path) -> str:
    """deploy/coturn/turnserver.conf with its SITE lines filled in for the lab."""
    kept = []
    for line in TURN_CONFIG.read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if key not in SITE_KEYS:
            kept.append(line)
    site = [
        f"listening-ip={SERVICE}",
        f"listening-ip={SERVICE_V6}",
        f"relay-ip={SERVICE}",
        f"relay-ip={SERVICE_V6}",
        # The DMZ is private here, as on many city networks: the ends reach each other's
        # relay on this server, and nothing else in 10.0.0.0/8.
        f"allowed-peer-ip={SERVICE}",
        f"static-auth-secret={SECRET}",
        "realm=turn.madoguchi.test",
        f"cert={certificate}",
        f"pkey={folder / 'turn.key'}",
        "log-file=stdout",
        "simple-log",
        f"pidfile={folder / 'turnserver.pid'}",
    ]
    return "\n".join([*kept, *site]) + "\n"


@dataclass
class LabHub:
    url: str
    port: int
    demo: DemoCredentials


@pytest.fixture
async def lab_hub(tmp_path: Path, turn_lab: TurnLab) -> AsyncIterator[LabHub]:
    """A real hub listening in the DMZ, handing out all three TURN URLs with REST credentials."""
    settings = Settings(
        var_dir=str(tmp_path / "var"), port=0, turn_urls=[UDP, TCP, TLS], turn_secret=SECRET
    )
    demo = await seed_one_of_each(settings)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    sock = listening_socket(turn_lab.dmz, SERVICE)
    port = sock.getsockname()[1]
    try:
        await web.SockSite(runner, sock).start()
        yield LabHub(f"ws://{SERVICE}:{port}/ws", port, demo)
    finally:
        await runner.cleanup()


async def run_bot(
    lab: TurnLab, namespace: str, log: Path, *args: str
) -> tuple[dict[str, Any], str]:
    """A `madoguchi-bot` inside `namespace`; its summary, and its log for the assertions."""
    process = await asyncio.create_subprocess_exec(
        *lab.lab.command(namespace, sys.executable, "-m", "call.bot", *args),
        "--video", "320x240@15", "--summary", "--ca-file", str(lab.ca_file),
        "--timeout", str(STEP), "--wait", str(STEP),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = err.decode()
    await asyncio.to_thread(log.write_text, text)
    assert process.returncode == 0, text[-4000:]
    lines = [line for line in out.decode().splitlines() if line.startswith(SUMMARY_PREFIX)]
    assert len(lines) == 1, out.decode() + text[-4000:]
    summary: dict[str, Any] = json.loads(lines[0].removeprefix(SUMMARY_PREFIX))
    return summary, text


async def hold_a_call(
    lab: TurnLab, hub: LabHub, tmp_path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A kiosk and a staff member in their namespaces hold a 3-second call; their call reports."""
    account = next(a for a in hub.demo.accounts if a.username == STAFF)
    async with asyncio.timeout(4 * STEP):
        (kiosk, _), (staff, _) = await asyncio.gather(
            run_bot(
                lab, lab.kiosk, tmp_path / "kiosk.log",
                "kiosk", "--server", hub.url, "--token", hub.demo.kiosks[0].token, "--survey", "0",
            ),
            run_bot(
                lab, lab.staff, tmp_path / "staff.log",
                "staff", "--server", f"ws://{SERVICE}:{hub.port}/ws", "--username", STAFF,
                "--password", account.password, "--hang-up-after", "3",
            ),
        )  # fmt: skip
    kiosk_call, staff_call = kiosk["calls"][0], staff["calls"][0]
    assert kiosk_call["session_id"] == staff_call["session_id"]
    for call in (kiosk_call, staff_call):
        assert call["frames"] > 0  # camera frames arrived at both ends ...
        assert call["audio_seconds"] > 0  # ... and so did the voice
    return kiosk_call, staff_call


def test_the_kiosk_and_staff_networks_cannot_reach_each_other(turn_lab: TurnLab) -> None:
    assert accepts(turn_lab.kiosk, SERVICE, 3478)
    assert accepts(turn_lab.staff, SERVICE, 3478)
    staff_port = listening_socket(turn_lab.staff, STAFF_PC)
    kiosk_port = listening_socket(turn_lab.kiosk, KIOSK)
    try:
        assert not accepts(turn_lab.kiosk, STAFF_PC, staff_port.getsockname()[1])
        assert not accepts(turn_lab.staff, KIOSK, kiosk_port.getsockname()[1])
    finally:
        staff_port.close()
        kiosk_port.close()


async def test_a_call_between_networks_that_cannot_meet_is_relayed_over_udp(
    turn_lab: TurnLab, lab_hub: LabHub, tmp_path: Path
) -> None:
    kiosk, staff = await hold_a_call(turn_lab, lab_hub, tmp_path)
    # Both ends were offered UDP, TCP and TLS relays; ICE took the one it prefers.
    assert (kiosk["relay"], staff["relay"]) == (UDP, UDP)


LGWAN_KIOSK = """
table inet lgwan {
    chain output {
        type filter hook output priority filter; policy drop;
        oif "lo" accept
        tcp dport { 443, HUB_PORT } accept
    }
}
"""


async def test_a_kiosk_on_a_network_that_passes_only_tcp_443_calls_over_turn_tls(
    turn_lab: TurnLab, lab_hub: LabHub, tmp_path: Path
) -> None:
    # As on LGWAN: no UDP at all, and TCP only to 443 (and to the hub, behind its proxy).
    turn_lab.lab.nft(turn_lab.kiosk, LGWAN_KIOSK.replace("HUB_PORT", str(lab_hub.port)))
    assert not accepts(turn_lab.kiosk, SERVICE, 3478)
    kiosk, staff = await hold_a_call(turn_lab, lab_hub, tmp_path)
    assert kiosk["relay"] == TLS  # verified against the self-signed certificate it was given
    assert staff["relay"] == UDP


NO_UDP_KIOSK = """
table inet no_udp {
    chain output {
        type filter hook output priority filter; policy accept;
        meta l4proto udp drop
    }
}
"""


async def test_a_kiosk_on_a_network_without_udp_calls_over_turn_tcp_before_tls(
    turn_lab: TurnLab, lab_hub: LabHub, tmp_path: Path
) -> None:
    turn_lab.lab.nft(turn_lab.kiosk, NO_UDP_KIOSK)
    kiosk, staff = await hold_a_call(turn_lab, lab_hub, tmp_path)
    assert kiosk["relay"] == TCP  # TLS answered too, but TCP is preferred
    assert staff["relay"] == UDP


# Peers coturn must never relay to: this host, the city's private networks, link-local (cloud
# metadata), carrier-grade NAT, and IPv6 forms of the same (IPv4-mapped, NAT64).
DENIED_V4 = ["127.0.0.1", KIOSK, "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1"]
DENIED_V6 = ["::1", "::ffff:127.0.0.1", f"::ffff:{KIOSK}", "fe80::1", "fd00::1", "64:ff9b::a00:1"]
_SENT = re.compile(r"tot_send_msgs=[1-9]")


async def probe(lab: TurnLab, peer: str) -> str:
    """ "relayed" or "refused": whether coturn lets a client send to `peer` through a relay."""
    ipv6 = ":" in peer
    process = await asyncio.create_subprocess_exec(
        *lab.lab.command(lab.kiosk, "turnutils_uclient"),
        *(["-x"] if ipv6 else []),
        "-W", SECRET, "-u", "probe-" + peer.replace(":", "-"),  # a quota per user
        "-e", peer, "-r", "5000", "-n", "1", "-c", "-p", "3478",
        SERVICE_V6 if ipv6 else SERVICE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    try:
        async with asyncio.timeout(STEP):
            async for raw in process.stdout:
                line = raw.decode(errors="replace")
                seen.append(line)
                if "403 (Forbidden IP)" in line:
                    return "refused"
                if _SENT.search(line):  # the permission was granted and data went out
                    return "relayed"
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    raise AssertionError(f"turnutils_uclient said neither for {peer}: {''.join(seen)}")


async def test_coturn_refuses_to_relay_to_loopback_private_link_local_and_mapped_addresses(
    turn_lab: TurnLab,
) -> None:
    refused = {peer: await probe(turn_lab, peer) for peer in DENIED_V4 + DENIED_V6}
    assert refused == dict.fromkeys(DENIED_V4 + DENIED_V6, "refused")
    # The probe can tell: coturn's own relay address, and a public IPv6 one, are relayed.
    assert await probe(turn_lab, SERVICE) == "relayed"
    assert await probe(turn_lab, "2001:db8::1") == "relayed"
