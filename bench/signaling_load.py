"""Load the signaling hub with simulated kiosks and staff, next to a bare relay in the same run.

Each server runs in its own process and gets the same load from this one, over real sockets:

1. connect ``--kiosks`` kiosks and ``--staff`` staff consoles, ``--concurrency`` at a time, and
   wait for each ``Welcome``; then read the server's RSS;
2. start ``--sessions`` calls: a kiosk requests a consultation and a staff member of that
   department accepts it, until both ends have ``SessionStarted``; ``--queued`` more kiosks
   request one and wait in the queues (every staff member of the department sees them);
3. for ``--duration`` seconds, relay ``--rate`` messages a second in total across the calls:
   an offer and an answer (about 5 KB of SDP each) and eight ICE candidates in every ten.
   Each message carries its send time (the SDP ``o=`` line, the candidate's last attribute), so
   the receiving end, in this same process, measures the one-way relay latency;
4. restart the server as systemd would on an upgrade (SIGTERM, then the same command with the same
   var dir and database) while every client is connected and the calls are up, and time the
   reconnect storm: each client comes back as call/link.py's ``Link`` does (``Backoff``:
   exponential backoff with full jitter, from the shortest window after GOING_AWAY), sending
   the resume token of its last ``Welcome``. The bare relay is kept down as long as the hub
   was, so that its clients are at the same point of their backoff when it comes back.

The hub is ``python -m signaling`` on a seeded, always-open city of ``--wards`` wards whose
市民課 overflow to each other (bench/ward_city.py); the baseline is bench/echo_server.py.
Staff log in with session tokens made here, not passwords, so that 500
argon2 checks do not run on the hub's CPU during the connect phase.

Run from the repository root:
    .venv/bin/python -m bench.signaling_load --quick
    .venv/bin/python -m bench.signaling_load --write-docs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import functools
import gc
import itertools
import os
import random
import re
import resource
import secrets
import shlex
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import aiohttp
import msgspec
from aiohttp import WSCloseCode, WSMsgType

from bench.performance_doc import REPO, write_section
from bench.ward_city import ward_city
from call.link import BACKOFF_INITIAL, BACKOFF_MAX, HELLO_TIMEOUT, Backoff
from signaling import protocol as p
from signaling.auth import hash_password
from signaling.settings import Settings
from signaling.store import Store
from signaling.tokens import hash_token, new_session_token

SECTION = "## Signaling hub"
WAIT = 30.0  # seconds any one step may take before the bench gives up on it
SETTLE = 2.0  # seconds to let the server finish its work before reading its RSS
DRAIN = 5.0  # seconds to wait for the last relayed messages to arrive
RETRIES = 5  # a connect that fails is retried like a kiosk's, up to this many times
STOP_WAIT = 90.0  # seconds from SIGTERM to SIGKILL, as systemd's default TimeoutStopSec
STORM_WAIT = 300.0  # seconds the whole reconnect storm may take before the bench gives up
POLL = 0.01  # seconds between tries to reach a restarted server
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RELAYED = frozenset({"sdp_offer", "sdp_answer", "ice_candidate"})
# Frames that fail whatever the client was waiting for, with the frame as the reason.
REFUSALS = frozenset({"error", "department_closed"})
CYCLE = 10  # per call: an offer, an answer, then eight candidates, alternating ends


class BenchError(Exception):
    """The bench cannot go on: a server refused, crashed or did not answer in time."""


class DroppedError(BenchError):
    """A connection failed in a way a real client retries; ``reason`` is short, for counting."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Load:
    kiosks: int
    staff: int
    sessions: int
    rate: float
    duration: float
    concurrency: int
    queued: int = 0  # kiosks waiting in a queue, besides the calls
    wards: int = 7
    overflow_after: float = 10.0  # seconds a ward's 市民課 keeps a citizen before others may

    @property
    def per_connection_rate(self) -> float:
        return self.rate / (2 * self.sessions)


# Seeding the hub's database.


@dataclass(frozen=True)
class City:
    """Who the bench logs in as: kiosk tokens, staff session tokens, and what each staff serves."""

    kiosk_tokens: list[str]
    staff_tokens: list[str]
    staff_departments: list[str]
    categories: dict[str, str]  # department -> the topic a kiosk asks to reach it


async def seed_city(database_url: str, load: Load) -> City:
    wards = ward_city(load.wards, load.overflow_after)
    # Unsynced writes: this is throwaway data, and 5,500 fsyncs would take most of a minute.
    store = await Store.open(database_url, sqlite_pragmas={"synchronous": "OFF"})
    try:
        now = time.time()
        await store.replace_directory(wards.directory, actor="bench", now=now)
        kiosk_tokens = []
        for i in range(load.kiosks):
            _, token = await store.create_kiosk(
                f"bench-kiosk-{i:05}",
                "bench",
                actor="bench",
                now=now,
                site_id=wards.kiosk_site(i, load.sessions),
            )
            kiosk_tokens.append(token)
        # Nobody logs in with it: one hash for every account, not one each.
        unused = await asyncio.to_thread(hash_password, secrets.token_urlsafe(16))
        staff_tokens, staff_departments = [], []
        for i in range(load.staff):
            department = wards.desk_of_staff(i)
            account = await store.create_account(
                f"bench-staff-{i:04}",
                f"Staff {i}",
                p.Role.STAFF,
                unused,
                (department,),
                actor="bench",
                now=now,
            )
            # Not create_account_at_site: its password is temporary, which asks for a change.
            if (site := wards.staff_site(i)) is not None:
                await store.set_account_site(account.id, site, actor="bench", now=now)
            token = new_session_token()
            await store.create_session(hash_token(token), account.id, now, now + 86400)
            staff_tokens.append(token)
            staff_departments.append(department)
    finally:
        await store.close()
    return City(kiosk_tokens, staff_tokens, staff_departments, wards.categories)


# The servers, each in its own process.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _first_accept(port: int, until: float) -> float | None:
    """When a connection to `port` first succeeded, trying every `POLL` until `until`."""
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=POLL):
                return time.monotonic()
        except OSError:
            time.sleep(POLL)
    return None


class Server:
    """A server process: started, watched through /proc, and stopped with SIGTERM."""

    def __init__(self, name: str, argv: Sequence[str], port: int, log: Path) -> None:
        self.name, self.argv, self.port, self.log = name, list(argv), port, log
        self.process: asyncio.subprocess.Process | None = None
        self.startup_seconds = 0.0  # start to listening, the first time

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> float:
        """Start the process and wait until it is idle; returns how long it took to listen."""
        started = time.monotonic()
        await self.spawn()
        self.startup_seconds = await self.wait_until_listening() - started
        await self.wait_until_idle()
        return self.startup_seconds

    async def spawn(self, *, again: bool = False) -> None:
        """Start the process without waiting; ``again`` keeps the log of the one before."""
        # Our MADOGUCHI_* variables would override the bench's settings file.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
        with self.log.open("ab" if again else "wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, cwd=REPO, env=env, stdout=log, stderr=log
            )

    async def wait_until_listening(self) -> float:
        """The monotonic time of the first TCP connection the process accepted.

        Tried from a thread of its own: in a storm this loop is busy with thousands of clients'
        retries, and a try made from it came seconds late, which shortened the storm timed from
        it and lengthened the down time, by a different amount for each server.
        """
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process is None or self.process.returncode is not None:
                raise BenchError(f"{self.name} exited:\n{self.log_tail()}")
            accepted = await asyncio.to_thread(
                _first_accept, self.port, min(deadline, time.monotonic() + 1.0)
            )
            if accepted is not None:
                return accepted
        raise BenchError(f"{self.name} did not listen within {WAIT:.0f} s")

    async def wait_until_idle(self) -> None:
        """Until /healthz answers with no history left to write, so a phase starts quiet."""
        deadline = time.monotonic() + WAIT
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.process is None or self.process.returncode is not None:
                    raise BenchError(f"{self.name} exited:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        health = await response.json()
                        if response.status == 200 and not health.get("store_backlog"):
                            return
                await asyncio.sleep(0.1)
        raise BenchError(f"{self.name} was not healthy and idle within {WAIT:.0f} s")

    async def stop(self) -> float:
        """SIGTERM, then SIGKILL if it hangs; returns how long it took to exit."""
        if self.process is None or self.process.returncode is not None:
            return 0.0
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):  # it exited since the check
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_WAIT)
        except TimeoutError:
            print(f"{self.name} ignored SIGTERM for {STOP_WAIT:.0f} s; killing it", file=sys.stderr)
            self.process.kill()
            await self.process.wait()
        return time.monotonic() - started

    def rss_kib(self, field: str = "VmRSS") -> int:
        for line in self._proc("status").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise BenchError(f"no {field} for {self.name}")

    def cpu_seconds(self) -> float:
        # Fields 14 and 15 of /proc/<pid>/stat, counted after the ")" that ends the name.
        fields = self._proc("stat").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def complaints(self) -> list[str]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if re.search(r"WARNING|ERROR|CRITICAL|Traceback", line)]

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _proc(self, name: str) -> str:
        assert self.process is not None
        return Path(f"/proc/{self.process.pid}/{name}").read_text()


def hub_settings(var_dir: Path, port: int, load: Load) -> str:
    # The default per-connection limit (20/s) covers the default load; a small --sessions at a
    # high --rate would be cut off by it, which is not what the bench measures.
    rate_limit = max(20, int(4 * load.per_connection_rate))
    return "\n".join(
        [
            'host = "127.0.0.1"',
            f"port = {port}",
            f"var_dir = {msgspec.json.encode(str(var_dir)).decode()}",  # a TOML basic string
            'log_level = "WARNING"',
            f"rate_limit_per_second = {rate_limit}",
            f"rate_limit_burst = {max(60, 3 * rate_limit)}",
            # Every simulated client comes from 127.0.0.1: the per-address limits must not count,
            # through the first connects, the restart's reconnects and their retries.
            f"max_connections_per_address = {2 * (load.kiosks + load.staff)}",
            f"address_reconnect_burst = {10 * (load.kiosks + load.staff)}",
            f"address_reconnects_per_minute = {10 * (load.kiosks + load.staff)}",
            "",
        ]
    )


# The simulated clients.


class _Envelope(msgspec.Struct):
    type: str


class _Resume(msgspec.Struct):
    resume_token: str | None = None  # the bare relay's welcome has none


class _Entry(msgspec.Struct):
    session_id: str
    overflowed: bool = False


class _Snapshot(msgspec.Struct):
    entries: list[_Entry]


class _Started(msgspec.Struct):
    session_id: str
    overflowed_from: str | None = None


_relay_decoder = msgspec.json.Decoder(p.SdpOffer | p.SdpAnswer | p.IceCandidate)
_error_decoder = msgspec.json.Decoder(p.Error)
_resume_decoder = msgspec.json.Decoder(_Resume)
_snapshot_decoder = msgspec.json.Decoder(_Snapshot)
_started_decoder = msgspec.json.Decoder(_Started)


def frame_type(data: str) -> str:
    # msgspec writes the tag first, so the hub's frames need no parse to be told apart.
    if data.startswith('{"type":"'):
        return data[9 : data.index('"', 9)]
    return msgspec.json.decode(data, type=_Envelope).type


@dataclass
class Traffic:
    """What all the clients of one run saw, in nanoseconds of the one monotonic clock."""

    latencies: dict[str, list[int]] = field(default_factory=lambda: {"sdp": [], "candidate": []})
    sent: int = 0
    received: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    unexpected_closes: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    # Requests another ward's staff saw as theirs to take, and those such a desk answered.
    overflowed: set[str] = field(default_factory=set)
    answered_elsewhere: set[str] = field(default_factory=set)
    stopping: bool = False
    _drained: asyncio.Event = field(default_factory=asyncio.Event)

    async def all_received(self) -> None:
        """Returns once every message sent so far has arrived."""
        while self.received < self.sent:
            self._drained.clear()
            await self._drained.wait()

    def note_overflow(self, kind: str, data: str) -> None:
        """Counts the overflows a queue snapshot or a call's start tells of."""
        if kind == "queue_snapshot" and '"overflowed":true' in data:
            entries = _snapshot_decoder.decode(data).entries
            self.overflowed.update(e.session_id for e in entries if e.overflowed)
        elif kind == "session_started" and '"overflowed_from"' in data:
            started = _started_decoder.decode(data)
            if started.overflowed_from is not None:
                self.answered_elsewhere.add(started.session_id)

    def record(self, kind: str, data: str, received_ns: int) -> None:
        message = _relay_decoder.decode(data)
        if isinstance(message, p.IceCandidate):
            sent_ns = int(message.candidate.rsplit(" ", 1)[1])
            self.latencies["candidate"].append(received_ns - sent_ns)
        else:
            sent_ns = int(message.sdp.split("\r\n", 2)[1].split()[2])  # o=- <seq> <sent>
            self.latencies["sdp"].append(received_ns - sent_ns)
        self.received += 1
        if self.received >= self.sent:
            self._drained.set()


class Peer:
    """One simulated kiosk or staff console: its socket and the task that reads it."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, traffic: Traffic) -> None:
        self.ws = ws
        self._traffic = traffic
        self._waiters: dict[str, asyncio.Future[str]] = {}
        self.welcomed = False
        self.resume_token: str | None = None  # from the Welcome, sent back on reconnecting
        self.hello_sent_at = 0.0  # monotonic
        self.reader = asyncio.create_task(self._read())

    def expect(self, kind: str) -> asyncio.Future[str]:
        """A future for the next frame of this type; create it before sending what causes it."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[kind] = future
        return future

    async def send(self, frame: bytes) -> None:
        await self.ws.send_frame(frame, WSMsgType.TEXT)

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is WSMsgType.TEXT:
                self._on_text(message.data)
        code = str(self.ws.close_code)
        if self.welcomed and not self._traffic.stopping:
            self._traffic.unexpected_closes[code] += 1
        self._fail(DroppedError(f"closed by the server with {code}", f"close {code}"))

    def _on_text(self, data: str) -> None:
        received_ns = time.monotonic_ns()
        kind = frame_type(data)
        if kind in RELAYED:
            self._traffic.record(kind, data, received_ns)
            return
        if kind in REFUSALS:
            if kind == "error":
                error = _error_decoder.decode(data)
                self._traffic.errors[error.code.value] += 1
                message = f"the server sent error {error.code}: {error.message}"
                fatal = error.code in p.FATAL_ERRORS
                self._fail(
                    BenchError(message) if fatal else DroppedError(message, error.code.value)
                )
            else:
                self._fail(BenchError(f"the server sent {data}"))
            return
        self.welcomed = self.welcomed or kind == "welcome"
        self._traffic.note_overflow(kind, data)
        waiter = self._waiters.pop(kind, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(data)

    def _fail(self, error: BenchError) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._waiters.clear()


async def settle(future: Awaitable[str], what: str, wait: float = WAIT) -> str:
    try:
        return await asyncio.wait_for(future, wait)
    except TimeoutError:
        raise DroppedError(f"no {what} within {wait:.0f} s", "timeout") from None


class Target(Protocol):
    """How one kind of server is greeted and asked to pair a kiosk with a staff member."""

    def hello(self, role: p.Role, index: int, resume_token: str | None = None) -> bytes: ...

    async def pair(self, index: int, kiosk: Peer, staff: Peer) -> str: ...

    async def wait_in_queue(self, index: int, kiosk: Peer) -> None: ...


@dataclass(frozen=True)
class HubTarget:
    city: City

    def hello(self, role: p.Role, index: int, resume_token: str | None = None) -> bytes:
        tokens = self.city.kiosk_tokens if role is p.Role.KIOSK else self.city.staff_tokens
        hello = p.Hello(
            protocol_version=p.PROTOCOL_VERSION,
            token=tokens[index],
            resume_token=resume_token,
            app="bench",
        )
        return p.encode(hello)

    async def pair(self, index: int, kiosk: Peer, staff: Peer) -> str:
        """Kiosk ``index`` asks staff ``index``'s department; that staff member accepts it."""
        category = self.city.categories[self.city.staff_departments[index]]
        queued = kiosk.expect("queued")
        await kiosk.send(p.encode(p.RequestConsultation(category_id=category, language="ja")))
        session_id = msgspec.json.decode(await settle(queued, "queued"), type=p.Queued).session_id
        started = kiosk.expect("session_started"), staff.expect("session_started")
        await staff.send(p.encode(p.Accept(session_id=session_id)))
        for future in started:
            await settle(future, "session_started")
        return session_id

    async def wait_in_queue(self, index: int, kiosk: Peer) -> None:
        """Kiosk ``index`` asks a department in turn, and nobody answers."""
        departments = self.city.staff_departments
        category = self.city.categories[departments[index % len(departments)]]
        queued = kiosk.expect("queued")
        await kiosk.send(p.encode(p.RequestConsultation(category_id=category, language="ja")))
        await settle(queued, "queued")


class EchoTarget:
    def hello(self, role: p.Role, index: int, resume_token: str | None = None) -> bytes:
        return msgspec.json.encode({"type": "hello", "role": role, "index": index})

    async def pair(self, index: int, kiosk: Peer, staff: Peer) -> str:
        session_id = f"bench-{index}"
        frame = msgspec.json.encode({"type": "pair", "session_id": session_id})
        started = kiosk.expect("session_started"), staff.expect("session_started")
        await kiosk.send(frame)
        await staff.send(frame)
        for future in started:
            await settle(future, "session_started")
        return session_id

    async def wait_in_queue(self, index: int, kiosk: Peer) -> None:
        pass  # a bare relay has no queues


# The relayed messages: real-sized SDP and candidates, stamped with their send time.


_AUDIO = """m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
{transport}
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=sendrecv
a=msid:{stream} a{track}
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:1001 cname:bench
a=ssrc:1001 msid:{stream} a{track}"""
_VIDEO_CODECS = (
    ("VP8", ""),
    ("VP9", "profile-id=0"),
    ("VP9", "profile-id=2"),
    ("H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"),
    ("H264", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"),
    ("H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
    ("H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"),
    ("AV1", "level-idx=5;profile=0;tier=0"),
)
_FEEDBACK = ("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli")


def _sdp_body(setup: str) -> str:
    """Everything after the o= line of a Chrome-like audio, video and data SDP (about 5 KB)."""
    transport = "\n".join(
        [
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            f"a=ice-ufrag:{secrets.token_hex(2)}",
            f"a=ice-pwd:{secrets.token_urlsafe(18)}",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 " + ":".join(f"{b:02X}" for b in secrets.token_bytes(32)),
            f"a=setup:{setup}",
        ]
    )
    stream, track = secrets.token_hex(16), secrets.token_hex(16)
    video = [
        "m=video 9 UDP/TLS/RTP/SAVPF " + " ".join(str(96 + n) for n in range(16)) + " 121 122",
        transport,
        "a=mid:1\na=sendrecv\na=rtcp-mux\na=rtcp-rsize",
        f"a=msid:{stream} v{track}",
    ]
    for n, (codec, fmtp) in enumerate(_VIDEO_CODECS):
        pt, rtx = 96 + 2 * n, 97 + 2 * n
        video += [f"a=rtpmap:{pt} {codec}/90000", *(f"a=rtcp-fb:{pt} {f}" for f in _FEEDBACK)]
        video += [f"a=fmtp:{pt} {fmtp}"] if fmtp else []
        video += [f"a=rtpmap:{rtx} rtx/90000", f"a=fmtp:{rtx} apt={pt}"]
    text = "\n".join(
        [
            "s=-\nt=0 0\na=group:BUNDLE 0 1 2\na=extmap-allow-mixed",
            f"a=msid-semantic: WMS {stream}",
            _AUDIO.format(transport=transport, stream=stream, track=track),
            *video,
            "a=rtpmap:121 red/90000\na=rtpmap:122 ulpfec/90000\na=ssrc-group:FID 2001 2002",
            "a=ssrc:2001 cname:bench\na=ssrc:2002 cname:bench",
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
            transport,
            "a=mid:2\na=sctp-port:5000\na=max-message-size:262144\n",
        ]
    )
    return text.replace("\n", "\r\n")


class Messages:
    """Builds message ``i`` of the run: which call, which end sends it, and the frame."""

    def __init__(self, calls: Sequence[tuple[str, Peer, Peer]]) -> None:
        self.calls = calls
        self._offer, self._answer = _sdp_body("actpass"), _sdp_body("active")

    def sender_and_frame(self, i: int) -> tuple[Peer, bytes]:
        call = i % len(self.calls)
        session_id, kiosk, staff = self.calls[call]
        # Calls start their cycles at different steps, so SDP is a fifth of every second's
        # traffic rather than all of some seconds.
        step = (i // len(self.calls) + call) % CYCLE
        sent_ns = time.monotonic_ns()
        if step == 0:  # the staff end offers (SessionStarted.you_offer)
            sdp = f"v=0\r\no=- {i} {sent_ns} IN IP4 127.0.0.1\r\n{self._offer}"
            return staff, p.encode(p.SdpOffer(session_id=session_id, sdp=sdp))
        if step == 1:
            sdp = f"v=0\r\no=- {i} {sent_ns} IN IP4 127.0.0.1\r\n{self._answer}"
            return kiosk, p.encode(p.SdpAnswer(session_id=session_id, sdp=sdp))
        sender = staff if step % 2 == 0 else kiosk
        candidate = (
            f"candidate:{i % 4000000000} 1 udp 2122260223 192.0.2.{i % 250 + 1} {49152 + i % 16384}"
            f" typ host generation 0 ufrag bnch network-id {i} x-bench-sent {sent_ns}"
        )
        message = p.IceCandidate(
            session_id=session_id, candidate=candidate, sdp_mid="0", sdp_mline_index=0
        )
        return sender, p.encode(message)


# One run against one server.


@dataclass
class Storm:
    """One restart of a server with every client connected, timed from the clients' side."""

    stop_seconds: float = 0.0  # SIGTERM to exit
    down_seconds: float = 0.0  # SIGTERM to listening again
    seconds: float = 0.0  # listening again to the last client welcomed
    welcomed_s: list[float] = field(default_factory=list)  # listening to each Welcome, sorted
    hello_ms: list[float] = field(default_factory=list)  # each last hello to its Welcome, sorted
    server_cpu_seconds: float = 0.0  # the new process's, from listening to the last Welcome
    failed_while_down: Counter[str] = field(default_factory=Counter)
    failed_after: Counter[str] = field(default_factory=Counter)  # tries that failed once up
    load_average: str = ""
    held: int = 0  # connections open once the server is idle again

    @property
    def reconnected(self) -> int:
        return len(self.welcomed_s)


@dataclass
class Result:
    name: str
    connections: int = 0
    connect_seconds: float = 0.0
    rss_idle_kib: int = 0
    rss_held_kib: int = 0
    rss_peak_kib: int = 0
    calls: int = 0
    relay_seconds: float = 0.0
    sent: int = 0
    received: int = 0
    max_send_lag_ms: float = 0.0
    server_cpu_percent: float = 0.0
    client_cpu_percent: float = 0.0
    load_average: str = ""
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    unexpected_closes: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    log_complaints: int = 0
    # Before the restart: requests other wards' staff could take, those they took, and the
    # hub's own madoguchi_overflows_total (None: a server without /metrics).
    overflowed: int = 0
    answered_elsewhere: int = 0
    overflows_total: int | None = None
    storm: Storm = field(default_factory=Storm)

    @property
    def rss_per_connection_kib(self) -> float:
        return (self.rss_held_kib - self.rss_idle_kib) / max(1, self.connections)

    @property
    def achieved_rate(self) -> float:
        return self.sent / self.relay_seconds if self.relay_seconds else 0.0


async def run(server: Server, target: Target, load: Load, down_for: float | None = None) -> Result:
    result = Result(server.name)
    traffic = Traffic()
    await server.start()
    connector = aiohttp.TCPConnector(limit=0)  # the default 100 would cap the sockets held
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            await asyncio.sleep(SETTLE)
            result.rss_idle_kib = server.rss_kib()
            print(f"[{server.name}] connecting {load.staff} staff and {load.kiosks} kiosks")
            started = time.monotonic()
            staff = await connect_all(http, server.url, target, p.Role.STAFF, load, traffic)
            kiosks = await connect_all(http, server.url, target, p.Role.KIOSK, load, traffic)
            result.connect_seconds = time.monotonic() - started
            await asyncio.sleep(SETTLE)
            result.connections = sum(not peer.ws.closed for peer in [*staff, *kiosks])
            result.rss_held_kib = server.rss_kib()
            print(f"[{server.name}] starting {load.sessions} calls, {load.queued} waiting")
            calls = await start_calls(target, kiosks, staff, load)
            result.calls = len(calls)
            await fill_queues(target, kiosks, load)
            await server.wait_until_idle()
            print(f"[{server.name}] relaying {load.rate:g} msg/s for {load.duration:g} s")
            # The client measures, so it must not pause: a collection walking its 5,500
            # connections stalls its loop, and the stall shows as either server's latency.
            gc.collect()
            gc.freeze()
            gc.disable()
            try:
                await relay(server, Messages(calls), load, traffic, result)
            finally:
                gc.enable()
                gc.unfreeze()
            result.rss_peak_kib = server.rss_kib("VmHWM")  # before the restart starts it anew
            await server.wait_until_idle()
            result.overflowed = len(traffic.overflowed)
            result.answered_elsewhere = len(traffic.answered_elsewhere)
            result.overflows_total = await overflows_total(http, server)
            if result.overflows_total is not None:
                print(
                    f"[{server.name}] {result.overflowed} requests overflowed, "
                    f"{result.overflows_total} answered by another ward's desk"
                )
            print(f"[{server.name}] restarting it with every client connected")
            clients = [
                (peer, functools.partial(target.hello, role, index))
                for role, peers in ((p.Role.STAFF, staff), (p.Role.KIOSK, kiosks))
                for index, peer in enumerate(peers)
            ]
            result.storm, back = await restart(server, http, clients, traffic, down_for)
            print(
                f"[{server.name}] {result.storm.reconnected} clients back "
                f"{result.storm.seconds:.1f} s after it listened again"
            )
            await server.wait_until_idle()
            result.storm.held = sum(not peer.ws.closed for peer in back)
            traffic.stopping = True
            await server.stop()
    except BenchError as exc:
        code = server.process.returncode if server.process else None
        state = "is still running" if code is None else f"exited with {code}"
        raise BenchError(
            f"{exc}\n{server.name} {state}; its log ends:\n{server.log_tail()}"
        ) from exc
    finally:
        traffic.stopping = True
        await server.stop()
    result.received = traffic.received
    result.latencies_ms = {k: sorted(v / 1e6 for v in ns) for k, ns in traffic.latencies.items()}
    result.errors, result.unexpected_closes = traffic.errors, traffic.unexpected_closes
    result.retries = traffic.retries
    return result


async def connect_all(
    http: aiohttp.ClientSession,
    url: str,
    target: Target,
    role: p.Role,
    load: Load,
    traffic: Traffic,
) -> list[Peer]:
    gate = asyncio.Semaphore(load.concurrency)
    count = load.kiosks if role is p.Role.KIOSK else load.staff
    peers: list[Peer] = []
    started = time.monotonic()

    async def connect(index: int) -> Peer:
        backoff = Backoff(BACKOFF_INITIAL, BACKOFF_MAX, random.Random())  # as a kiosk's Link
        async with gate:
            for attempt in itertools.count():
                try:
                    peer = await login(http, url, traffic, target.hello(role, index))
                    break
                except DroppedError as exc:
                    if attempt == RETRIES:
                        raise BenchError(f"{role} {index} of {count}: {exc}") from exc
                    traffic.retries[exc.reason] += 1
                await asyncio.sleep(backoff.after(fresh=False))
            if (done := len(peers) + 1) % 1000 == 0:
                print(f"  {done} {role} connections in {time.monotonic() - started:.1f} s")
            peers.append(peer)
            return peer

    return await asyncio.gather(*(connect(i) for i in range(count)))


async def login(
    http: aiohttp.ClientSession, url: str, traffic: Traffic, hello: bytes, wait: float = WAIT
) -> Peer:
    """Connect and say hello; each of the two steps may take ``wait`` seconds."""
    try:
        ws = await asyncio.wait_for(http.ws_connect(url, compress=0), wait)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise DroppedError(f"could not connect: {exc!r}", type(exc).__name__) from exc
    peer = Peer(ws, traffic)
    welcome = peer.expect("welcome")
    try:
        peer.hello_sent_at = time.monotonic()
        await peer.send(hello)
        peer.resume_token = _resume_decoder.decode(
            await settle(welcome, "welcome", wait)
        ).resume_token
    except BaseException:
        await ws.close()
        raise
    return peer


# The reconnect storm after a restart.


@dataclass
class _Return:
    """How one client came back: the times of its Welcome and hello, and its failed tries."""

    peer: Peer
    welcomed_at: float
    failures: list[tuple[float, str]]


async def come_back(
    http: aiohttp.ClientSession,
    url: str,
    hello: Callable[[str | None], bytes],
    gone: Peer,
    traffic: Traffic,
    failures: list[tuple[float, str]],
) -> _Return:
    """Wait for the server to close ``gone``, then reconnect as call/link.py's Link does.

    Each failed try is added to ``failures`` as it happens: (when, why).
    """
    await gone.reader
    backoff = Backoff(BACKOFF_INITIAL, BACKOFF_MAX, random.Random())
    fresh = gone.ws.close_code == WSCloseCode.GOING_AWAY  # the server is restarting
    while True:
        await asyncio.sleep(backoff.after(fresh=fresh))
        fresh = False
        tried_at = time.monotonic()
        try:
            peer = await login(http, url, traffic, hello(gone.resume_token), HELLO_TIMEOUT)
        except DroppedError as exc:
            failures.append((tried_at, exc.reason))
            continue
        return _Return(peer, time.monotonic(), failures)


async def restart(
    server: Server,
    http: aiohttp.ClientSession,
    clients: Sequence[tuple[Peer, Callable[[str | None], bytes]]],
    traffic: Traffic,
    down_for: float | None,
) -> tuple[Storm, list[Peer]]:
    """SIGTERM the server and start it again; time its clients' return.

    ``down_for``: keep it from listening until that long after the SIGTERM (the relay, so
    that its clients are as far into their backoff as the hub's were).
    """
    storm = Storm(load_average=load_average())
    traffic.stopping = True  # the GOING_AWAY closes are expected
    failures: list[list[tuple[float, str]]] = [[] for _ in clients]
    returns = [
        asyncio.create_task(come_back(http, server.url, hello, peer, traffic, tries))
        for (peer, hello), tries in zip(clients, failures, strict=True)
    ]
    try:
        stopping_at = time.monotonic()
        storm.stop_seconds = await server.stop()
        if down_for is not None:
            start_at = stopping_at + down_for - server.startup_seconds
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        await server.spawn(again=True)
        listening_at = await server.wait_until_listening()
        cpu_at_listening = server.cpu_seconds()
        storm.down_seconds = listening_at - stopping_at
        try:
            back = await asyncio.wait_for(asyncio.gather(*returns), STORM_WAIT)
        except TimeoutError:
            missing = [
                tries for task, tries in zip(returns, failures, strict=True) if not task.done()
            ]
            last = Counter(tries[-1][1] if tries else "no try yet" for tries in missing)
            raise BenchError(
                f"{len(missing)} of {len(returns)} clients were not back {STORM_WAIT:.0f} s after "
                f"{server.name} listened again; their last failures: {_counts(last)}"
            ) from None
        storm.server_cpu_seconds = server.cpu_seconds() - cpu_at_listening
    finally:
        for task in returns:
            task.cancel()
    storm.welcomed_s = sorted(r.welcomed_at - listening_at for r in back)
    storm.hello_ms = sorted(1000 * (r.welcomed_at - r.peer.hello_sent_at) for r in back)
    storm.seconds = storm.welcomed_s[-1]
    for r in back:
        for tried_at, reason in r.failures:
            (storm.failed_while_down if tried_at < listening_at else storm.failed_after)[
                reason
            ] += 1
    return storm, [r.peer for r in back]


async def start_calls(
    target: Target, kiosks: Sequence[Peer], staff: Sequence[Peer], load: Load
) -> list[tuple[str, Peer, Peer]]:
    # Few at a time: every request and accept sends the whole queue to its department's staff.
    gate = asyncio.Semaphore(10)

    async def call(index: int) -> tuple[str, Peer, Peer]:
        async with gate:
            session_id = await target.pair(index, kiosks[index], staff[index])
            return session_id, kiosks[index], staff[index]

    return await asyncio.gather(*(call(i) for i in range(load.sessions)))


async def fill_queues(target: Target, kiosks: Sequence[Peer], load: Load) -> None:
    """The kiosks after those in calls wait in the queues, a few at a time as for the calls."""
    gate = asyncio.Semaphore(10)

    async def wait(index: int) -> None:
        async with gate:
            await target.wait_in_queue(index, kiosks[index])

    await asyncio.gather(*(wait(i) for i in range(load.sessions, load.sessions + load.queued)))


async def relay(
    server: Server, messages: Messages, load: Load, traffic: Traffic, result: Result
) -> None:
    """Send on a fixed schedule; a late send goes at once, and the lag is reported."""
    total = int(load.rate * load.duration)
    result.load_average = load_average()
    cpu_server, cpu_client = server.cpu_seconds(), _own_cpu_seconds()
    started = time.monotonic()
    lag = 0.0
    for i in range(total):
        delay = started + i / load.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        sender, frame = messages.sender_and_frame(i)
        await sender.send(frame)
        traffic.sent += 1
    result.relay_seconds = time.monotonic() - started
    result.server_cpu_percent = 100 * (server.cpu_seconds() - cpu_server) / result.relay_seconds
    result.client_cpu_percent = 100 * (_own_cpu_seconds() - cpu_client) / result.relay_seconds
    result.sent, result.max_send_lag_ms = traffic.sent, lag * 1000
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(traffic.all_received(), DRAIN)


async def overflows_total(http: aiohttp.ClientSession, server: Server) -> int | None:
    """The sum of the hub's madoguchi_overflows_total; None when the server has no /metrics."""
    async with http.get(f"http://127.0.0.1:{server.port}/metrics") as response:
        if response.status != 200:
            return None
        text = await response.text()
    samples = re.findall(r"^madoguchi_overflows_total(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    return round(sum(float(value) for value in samples))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# The report.


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank on sorted values; NaN when nothing arrived."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
    memory = f"{int(meminfo.group(1)) / 2**20:.0f} GiB RAM" if meminfo else "RAM unknown"
    cpu = model.group(1) if model else "unknown CPU"
    python = sys.version.split()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory}, Linux {os.uname().release}, "
        f"Python {python}, aiohttp {aiohttp.__version__}"
    )


def _row(label: str, hub: float, base: float, fmt: str, ratio: bool = False) -> str:
    shown = f"{hub / base:.2f}x" if ratio and base > 0 else ""
    return f"| {label} | {hub:{fmt}} | {base:{fmt}} | {shown} |"


def table(hub: Result, base: Result) -> list[str]:
    rows = [
        "| | hub | baseline | hub / baseline |",
        "|---|---:|---:|---:|",
        f"| connections held | {hub.connections:,} | {base.connections:,} | |",
        _row("connect time (s)", hub.connect_seconds, base.connect_seconds, ".1f"),
        _row("RSS idle (MiB)", hub.rss_idle_kib / 1024, base.rss_idle_kib / 1024, ".1f"),
        _row("RSS holding all (MiB)", hub.rss_held_kib / 1024, base.rss_held_kib / 1024, ".1f"),
        _row(
            "RSS per connection (KiB)",
            hub.rss_per_connection_kib,
            base.rss_per_connection_kib,
            ".1f",
            ratio=True,
        ),
        _row("peak RSS (MiB)", hub.rss_peak_kib / 1024, base.rss_peak_kib / 1024, ".1f"),
        f"| calls relaying | {hub.calls} | {base.calls} | |",
        f"| requests overflowed to other wards' desks | {hub.overflowed} | n/a | |",
        f"| answered by another ward's desk (staff saw / hub counted) "
        f"| {hub.answered_elsewhere} / {hub.overflows_total} | n/a | |",
        f"| messages sent / received | {hub.sent:,} / {hub.received:,} "
        f"| {base.sent:,} / {base.received:,} | |",
        _row("achieved rate (msg/s)", hub.achieved_rate, base.achieved_rate, ".0f"),
    ]
    names = {"sdp": "offer/answer", "candidate": "candidate"}
    for kind, name in names.items():
        for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)):
            h, b = percentile(hub.latencies_ms[kind], q), percentile(base.latencies_ms[kind], q)
            rows.append(_row(f"{name} {label} (ms)", h, b, ".2f", ratio=True))
    rows += [
        _row(
            "hub/server CPU in relay (% of a core)",
            hub.server_cpu_percent,
            base.server_cpu_percent,
            ".0f",
        ),
        _row(
            "client CPU in relay (% of a core)",
            hub.client_cpu_percent,
            base.client_cpu_percent,
            ".0f",
        ),
        _row("client's worst send lag (ms)", hub.max_send_lag_ms, base.max_send_lag_ms, ".1f"),
        f"| errors received | {_counts(hub.errors)} | {_counts(base.errors)} | |",
        f"| connects retried | {_counts(hub.retries)} | {_counts(base.retries)} | |",
        f"| unexpected closes | {_counts(hub.unexpected_closes)} "
        f"| {_counts(base.unexpected_closes)} | |",
        f"| load average at relay start | {hub.load_average} | {base.load_average} | |",
        f"| server log warnings and errors | {hub.log_complaints} | {base.log_complaints} | |",
    ]
    return rows


def storm_table(hub: Storm, base: Storm) -> list[str]:
    """The restart with every client connected: the server's down time, then the storm."""
    rows = [
        "| | hub | baseline | hub / baseline |",
        "|---|---:|---:|---:|",
        _row("shutdown (SIGTERM to exit, s)", hub.stop_seconds, base.stop_seconds, ".1f"),
        _row("down (SIGTERM to listening again, s)", hub.down_seconds, base.down_seconds, ".1f"),
        f"| clients back, and held once idle | {hub.reconnected:,}, {hub.held:,} "
        f"| {base.reconnected:,}, {base.held:,} | |",
        _row(
            "**storm: listening to the last Welcome (s)**", hub.seconds, base.seconds, ".2f", True
        ),
    ]
    for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        h, b = percentile(hub.welcomed_s, q), percentile(base.welcomed_s, q)
        rows.append(_row(f"a client's Welcome after listening, {label} (s)", h, b, ".2f", True))
    for label, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0)):
        h, b = percentile(hub.hello_ms, q), percentile(base.hello_ms, q)
        rows.append(_row(f"hello to Welcome, {label} (ms)", h, b, ".1f", True))
    rows += [
        _row(
            "server CPU in the storm (s)",
            hub.server_cpu_seconds,
            base.server_cpu_seconds,
            ".2f",
            ratio=True,
        ),
        f"| tries refused while down | {_counts(hub.failed_while_down)} "
        f"| {_counts(base.failed_while_down)} | |",
        f"| tries failed once listening | {_counts(hub.failed_after)} "
        f"| {_counts(base.failed_after)} | |",
        f"| load average at the restart | {hub.load_average} | {base.load_average} | |",
    ]
    return rows


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} x {v}" for k, v in counter.most_common()) or "none"


def verdicts(hub: Result, base: Result, load: Load) -> list[str]:
    """The issue's three targets: met, missed or not tested, with the measured numbers."""
    wanted = load.kiosks + load.staff
    held = hub.connections == wanted and not hub.unexpected_closes
    p99 = max(percentile(hub.latencies_ms[k], 0.99) for k in ("sdp", "candidate"))
    delivered = hub.received == hub.sent
    ratios = {
        k: percentile(hub.latencies_ms[k], 0.5) / percentile(base.latencies_ms[k], 0.5)
        for k in ("sdp", "candidate")
    }

    storm_ratio = hub.storm.seconds / base.storm.seconds if base.storm.seconds else float("inf")
    storm_ok = hub.storm.reconnected == wanted and storm_ratio <= 2

    def mark(ok: bool, tested: bool = True) -> str:
        if not tested:
            return "not tested (this run's load is below the target's)"
        return "met" if ok else "**missed**"

    return [
        f"- Hold 5,000 kiosk and 500 staff connections in one process: "
        f"{mark(held, load.kiosks >= 5000 and load.staff >= 500)}; {hub.connections:,} of "
        f"{wanted:,} held, {hub.rss_per_connection_kib:.1f} KiB each.",
        f"- Relay p99 ≤ 20 ms at 1,000 msg/s: "
        f"{mark(p99 <= 20 and delivered and hub.achieved_rate >= 950, load.rate >= 1000)}; "
        f"worst p99 {p99:.2f} ms at {hub.achieved_rate:.0f} msg/s achieved, "
        f"{hub.received:,} of {hub.sent:,} messages delivered.",
        f"- Relay p50 within 1.5x the baseline: {mark(max(ratios.values()) <= 1.5)}; "
        f"{ratios['sdp']:.2f}x for offers/answers, {ratios['candidate']:.2f}x for candidates.",
        f"- After a restart, every client back within 2x the bare relay's time: "
        f"{mark(storm_ok, load.kiosks >= 5000 and load.staff >= 500)}; "
        f"{hub.storm.reconnected:,} of {wanted:,} back in {hub.storm.seconds:.2f} s "
        f"against {base.storm.seconds:.2f} s ({storm_ratio:.2f}x).",
    ]


def interpretation(hub: Result, base: Result, load_before: str) -> list[str]:
    lines = [
        "Both latencies are one-way, from the sender's `send` to the receiver's read, in one "
        "client process on one clock, so they include the client's own event loop. On top of "
        "the baseline's bare forward, the hub decodes and validates every message (msgspec), "
        "checks the rate limit, routes it in the switchboard, re-encodes it, and passes it "
        "through the receiving connection's outbox queue and writer task. Per connection the "
        "hub also keeps the switchboard's client entry, the outbox and the writer task, which "
        "is the difference in RSS per connection."
    ]
    cores = os.cpu_count() or 1
    if float(load_before.split()[0]) > 0.5 * cores:
        lines.append(
            f"Other work was running on this {cores}-core machine: the load average was "
            f"{load_before} (1, 5 and 15 minutes) before the bench started, so these numbers are "
            "pessimistic and will be re-measured on a quiet machine. The load averages at the "
            "start of each relay phase include the bench's own two processes."
        )
    if hub.server_cpu_percent > 80:
        lines.append(
            f"The hub process used {hub.server_cpu_percent:.0f}% of a core while relaying: it "
            "is single-threaded, so that much CPU queues messages behind each other."
        )
    return lines


def storm_setup(hub: Storm, base: Storm) -> str:
    return (
        "Then each server is restarted as systemd restarts the hub on an upgrade: SIGTERM with "
        "every client connected and the calls up, then the same command again, on the same var "
        "dir and database. Each client comes back as the kiosk's and console's `Link` does "
        f"(`call.link.Backoff`): a first try within {BACKOFF_INITIAL:g} s of the GOING_AWAY "
        f"close, then a window that doubles with each refused try up to {BACKOFF_MAX:g} s, the "
        f"wait drawn anywhere in it, and {HELLO_TIMEOUT:g} s each for the handshake and the "
        "Welcome; it sends the resume token of its last Welcome. The baseline is kept from "
        f"listening until as long after its SIGTERM as the hub was ({hub.down_seconds:.1f} s "
        f"against {base.down_seconds:.1f} s), so its clients are as far into their backoff when "
        "it comes back. The storm is timed from the moment the new process accepts a TCP "
        "connection to the last client's Welcome."
    )


def report(hub: Result, base: Result, load: Load, command: str, load_before: str) -> str:
    today = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    setup = (
        f"{load.kiosks:,} kiosks and {load.staff:,} staff consoles connect over loopback to a "
        f"server in its own process; {load.sessions} of the pairs are in a call, "
        f"{load.queued} more kiosks wait in the queues, and "
        f"{load.rate:g} messages a second (an offer and an answer of about 5 KB and eight ICE "
        f"candidates in every ten) are relayed between their two ends for {load.duration:g} s. "
        "The baseline is `bench/echo_server.py`, a bare aiohttp WebSocket server that forwards "
        "each frame unparsed to its partner, under the same load in the same run."
    )
    city = (
        f"The hub's city (`bench/ward_city.py`) has {load.wards} wards, each with its ward office "
        "and two community centers where the kiosks stand, spread evenly, and a 市民課 whose "
        "service overflows to the other wards' 市民課 after "
        f"{load.overflow_after:g} s, or at once when a desk has nobody on duty; two city-wide "
        "departments are reached by their own topics. Staff serve the 市民課 of every ward but "
        "the last, whose citizens' requests therefore overflow at once, and the city-wide "
        "desks. Every tenth call, when it is to a 市民課, comes from that unstaffed ward and is "
        "answered by "
        "another ward's desk; the queued kiosks' requests overflow during the relay. The "
        "overflow rows count the requests that other wards' staff saw as theirs to take (in "
        "their queue snapshots), and those another ward's desk answered, as its staff saw it "
        "and as the hub's `madoguchi_overflows_total` counted it before the restart."
    )
    lines = [
        SECTION,
        f"Measured by `bench/signaling_load.py` on {today}: {machine()}.",
        f"    {command}",
        setup,
        city,
        "\n".join(table(hub, base)),
        storm_setup(hub.storm, base.storm),
        "\n".join(storm_table(hub.storm, base.storm)),
        "Targets:",
        "\n".join(verdicts(hub, base, load)),
        *interpretation(hub, base, load_before),
    ]
    return "\n\n".join(lines) + "\n"


# Command line.


def parse_args(argv: Sequence[str] | None) -> tuple[Load, bool, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.signaling_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--kiosks", type=int, help="kiosk connections (default 5000)")
    parser.add_argument("--staff", type=int, help="staff connections (default 500)")
    parser.add_argument("--sessions", type=int, help="calls relaying traffic (default 200)")
    parser.add_argument(
        "--queued", type=int, help="more kiosks waiting in the queues (default 100)"
    )
    parser.add_argument("--rate", type=float, help="relayed messages a second (default 1000)")
    parser.add_argument("--duration", type=float, help="seconds of relaying (default 20)")
    parser.add_argument("--concurrency", type=int, default=200, help="connects at a time")
    parser.add_argument("--wards", type=int, default=7, help="wards in the hub's city (default 7)")
    parser.add_argument(
        "--overflow-after",
        type=float,
        help="seconds before a 市民課 request overflows to other wards (default: half --duration)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 200 kiosks, 20 staff, 10 queued, 200 msg/s, 5 s",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the results to docs/performance.md"
    )
    parser.add_argument(
        "--keep", type=Path, help="a new folder to run in and keep: the logs and the database"
    )
    args = parser.parse_args(argv)
    defaults = (200, 20, 20, 10, 200.0, 5.0) if args.quick else (5000, 500, 200, 100, 1000.0, 20.0)
    given = (args.kiosks, args.staff, args.sessions, args.queued, args.rate, args.duration)
    kiosks, staff, sessions, queued, rate, duration = (
        d if g is None else g for g, d in zip(given, defaults, strict=True)
    )
    overflow_after = duration / 2 if args.overflow_after is None else args.overflow_after
    load = Load(
        int(kiosks),
        int(staff),
        int(sessions),
        rate,
        duration,
        args.concurrency,
        int(queued),
        args.wards,
        overflow_after,
    )
    if not 1 <= load.sessions <= min(load.kiosks, load.staff):
        parser.error("--sessions must be between 1 and the smaller of --kiosks and --staff")
    if not 0 <= load.queued <= load.kiosks - load.sessions:
        parser.error("--queued must be between 0 and the kiosks that are not in a call")
    if load.rate <= 0 or load.duration <= 0 or load.concurrency < 1:
        parser.error("--rate, --duration and --concurrency must be positive")
    if load.wards < 1 or not 0 <= load.overflow_after <= 86400:
        parser.error("--wards must be at least 1, --overflow-after between 0 and 86400")
    return load, args.write_docs, args.keep


def raise_file_limit(load: Load) -> None:
    """Each side holds a socket per client; the servers inherit this limit."""
    needed = load.kiosks + load.staff + 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise BenchError(f"the open-file limit is {hard}; this load needs {needed} (ulimit -Hn)")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def bench(load: Load, workdir: Path) -> tuple[Result, Result]:
    var = workdir / "var"
    var.mkdir()
    settings = Settings(var_dir=str(var))
    print(f"seeding {load.wards} wards, {load.kiosks} kiosks and {load.staff} staff accounts")
    city = asyncio.run(seed_city(settings.database_url, load))
    hub_port, echo_port = free_port(), free_port()
    config = workdir / "hub.toml"
    config.write_text(hub_settings(var, hub_port, load))
    hub = Server(
        "hub",
        [sys.executable, "-m", "signaling", "--config", str(config)],
        hub_port,
        workdir / "hub.log",
    )
    echo = Server(
        "baseline",
        [sys.executable, "-m", "bench.echo_server", "--port", str(echo_port)],
        echo_port,
        workdir / "echo.log",
    )
    on_hub = asyncio.run(run(hub, HubTarget(city), load))
    # The relay stays down as long as the hub did, for the same backoff at its return.
    on_echo = asyncio.run(run(echo, EchoTarget(), load, down_for=on_hub.storm.down_seconds))
    results = (on_hub, on_echo)
    for server, result in zip((hub, echo), results, strict=True):
        complaints = server.complaints()
        result.log_complaints = len(complaints)
        if complaints:
            print(f"{server.name} logged {len(complaints)} warnings; the last:", file=sys.stderr)
            print("\n".join(complaints[-10:]), file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    load, docs, keep = parse_args(argv)
    # As run, less --keep: where the logs went changes no number, and is no path for the docs.
    args = shlex.split(re.sub(r"\s--keep(=|\s+)\S+", "", " " + shlex.join(sys.argv[1:])))
    command = shlex.join([".venv/bin/python", "-m", "bench.signaling_load", *args])
    load_before = load_average()
    try:
        raise_file_limit(load)
        if keep is not None:  # the servers' logs and the hub's database stay there
            keep.mkdir(parents=True)
            hub, base = bench(load, keep)
        else:
            with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
                hub, base = bench(load, Path(workdir))
    except BenchError as exc:
        print(f"signaling_load: {exc}", file=sys.stderr)
        return 1
    section = report(hub, base, load, command, load_before)
    print()
    print(section)
    if docs:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
