"""Two engines, a kiosk and a staff console, in whole calls through a real hub.

Real aiortc peers on loopback with synthetic camera and audio at 320x240. The call timers are
shortened so that loss and rebuild take a few seconds, not twenty.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiortc.rtcicetransport import RTCIceTransport
from PIL import Image

from call import video_tuning
from call.camera import SYNTHETIC_CAMERA, CameraCapture, CameraSettings
from call.content_messages import PageRejected, Viewer
from call.control_messages import ContentKind, Heartbeat, QuickPhrase
from call.devices import MediaSettings
from call.document import EncodedPage, PageFormat, open_document
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.link import Credentials, LinkState
from call.page_receiver import PageReady
from call.peer import TrackRole
from call.session import (
    CallSettings,
    CallState,
    CallStateChanged,
    CallStatsUpdated,
    PhraseReceived,
    TextReceived,
)
from call.sharing import KEEP_PAGES, DocumentEvent, RemoteContentChanged
from call.stats import Direction, TrackKind
from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

E = TypeVar("E")
STAFF = "tanaka"  # seeded by the lean hub, tests/fixtures/engines.py
WAIT = 2 * UNIT
TIMERS = CallSettings(
    heartbeat_interval=UNIT / 20,
    loss_timeout=UNIT * 6 / 20,
    connect_timeout=UNIT,
    give_up_after=UNIT,
    stats_interval=UNIT / 10,
    close_timeout=UNIT / 5,
)
MEDIA = MediaSettings(synthetic=True, camera=CameraSettings(width=320, height=240, fps=15))


class Probe:
    """An engine and what it has told the app so far, with a way to wait for the next thing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: list[EngineEvent] = []
        self._arrived = asyncio.Condition()

    def emit(self, event: EngineEvent) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()

    async def expect(
        self, kind: type[E], where: Callable[[E], bool] = lambda e: True, within: float = WAIT
    ) -> E:
        """Wait for, remove and return the first event of `kind` that matches."""

        def find() -> E | None:
            for index, event in enumerate(self.events):
                if isinstance(event, kind) and where(event):
                    del self.events[index]
                    return event
            return None

        async with asyncio.timeout(within), self._arrived:
            while (found := find()) is None:
                await self._arrived.wait()
            return found

    async def hub(self, kind: type[E], where: Callable[[E], bool] = lambda e: True) -> E:
        event = await self.expect(
            HubMessage, lambda e: isinstance(e.message, kind) and where(e.message)
        )
        assert isinstance(event.message, kind)
        return event.message

    async def state(self, state: CallState, within: float = WAIT) -> CallStateChanged:
        return await self.expect(CallStateChanged, lambda e: e.state is state, within)


@dataclass
class Call:
    kiosk: Probe
    staff: Probe
    session_id: str
    started_at: float
    timings: dict[str, float] = field(default_factory=dict)


async def make_probe(hub: RunningHub, credentials: Credentials, **overrides: Any) -> Probe:
    settings = EngineSettings(
        **{
            "url": hub.url,
            "app": "test",
            "media": MEDIA,
            "call": TIMERS,
            "backoff_initial": 0.05,
            "backoff_max": 0.5,
            **overrides,
        }
    )
    probe: Probe

    def emit(event: EngineEvent) -> None:
        probe.emit(event)

    probe = Probe(Engine(settings, credentials, emit))
    await probe.engine.start()
    await probe.expect(LinkChanged, lambda e: e.state is LinkState.CONNECTED)
    return probe


async def connect(kiosk: Probe, staff: Probe) -> Call:
    """The citizen asks, the staff member takes the call, and both ends connect."""
    await kiosk.engine.request_consultation("juminhyo", "ja")
    queued = await kiosk.hub(p.Queued)
    await staff.hub(p.QueueSnapshot, lambda m: bool(m.entries))
    started_at = time.monotonic()
    await staff.engine.accept(queued.session_id)
    call = Call(kiosk, staff, queued.session_id, started_at)
    for name, probe in (("kiosk", kiosk), ("staff", staff)):
        started = await probe.hub(p.SessionStarted)
        assert started.you_offer is (probe is staff)
        connected = await probe.state(CallState.CONNECTED)
        call.timings[f"{name} setup->connected ms"] = 1000 * (connected.at - started_at)
    return call


async def frame_after(probe: Probe, holder: str, sequence: int = 0, within: float = WAIT) -> Any:
    frames = getattr(probe.engine, holder)
    frame = await asyncio.to_thread(frames.wait_newer, sequence, within)
    assert frame is not None, f"no {holder} frame after #{sequence}"
    return frame


async def eventually(check: Callable[[], bool], within: float = WAIT) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110  # a counter on another thread, nothing to await
            await asyncio.sleep(UNIT / 50)


def spy_on_link(probe: Probe) -> list[p.ClientMessage]:
    """Record every message the probe's engine sends to the hub from now on."""
    sent: list[p.ClientMessage] = []
    link = probe.engine._link
    real_send = link.send

    async def spy(message: p.ClientMessage) -> None:
        sent.append(message)
        await real_send(message)

    link.send = spy  # type: ignore[method-assign]
    return sent


def small_page() -> EncodedPage:
    image = Image.new("RGB", (120, 80), (255, 255, 255))
    image.paste((0, 0, 0), (10, 10, 110, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return EncodedPage(PageFormat.PNG, 120, 80, buffer.getvalue())


def three_page_pdf(tmp_path: Path) -> Path:
    """Three 400x300 pages, each with one black bar at its own height."""
    pages = [Image.new("RGB", (400, 300), (255, 255, 255)) for _ in range(3)]
    for index, page in enumerate(pages):
        page.paste((0, 0, 0), (20, 20 + 40 * index, 380, 40 + 40 * index))
    path = tmp_path / "three.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:])
    return path


def synthetic_content() -> CameraCapture:
    settings = CameraSettings(device=SYNTHETIC_CAMERA, width=480, height=270, fps=5)
    capture = CameraCapture(settings)
    capture.start()
    return capture


async def test_a_whole_call_between_a_kiosk_and_staff_through_the_hub(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    call = await connect(kiosk, staff)

    # Video both ways; the numbers are printed for docs/call-engine.md, never asserted.
    for name, probe in (("kiosk", kiosk), ("staff", staff)):
        frame = await frame_after(probe, "remote_camera")
        assert (frame.width, frame.height) == (320, 240)
        call.timings[f"{name} first remote frame ms"] = 1000 * (frame.timestamp - call.started_at)
    print("\ncall timings:", {k: round(v) for k, v in call.timings.items()})

    # Audio reaches each speaker's playout buffer.
    for probe in (kiosk, staff):
        await eventually(lambda probe=probe: probe.engine.devices.playout.seconds_received > 0.2)

    # Staff text and the citizen's quick phrase cross the control channel.
    assert await staff.engine.send_text("本人確認書類をお持ちですか")
    assert (await kiosk.expect(TextReceived)).text == "本人確認書類をお持ちですか"
    assert await kiosk.engine.send_phrase(QuickPhrase.SLOWER)
    assert (await staff.expect(PhraseReceived)).phrase is QuickPhrase.SLOWER

    # Stats with sensible values reach the app, and the hub.
    reports = spy_on_link(staff)
    stats = (await staff.expect(CallStatsUpdated, lambda e: e.stats.rtt_ms is not None)).stats
    assert stats.rtt_ms is not None
    assert 0 <= stats.rtt_ms < 1000
    await staff.expect(CallStatsUpdated)  # a second sample, so rates exist
    stats = (await staff.expect(CallStatsUpdated)).stats
    video_in = stats.track(TrackKind.VIDEO, Direction.INBOUND)
    assert video_in is not None
    assert (video_in.width, video_in.height) == (320, 240)
    assert video_in.fps is not None
    assert video_in.fps > 0
    video_out = stats.track(TrackKind.VIDEO, Direction.OUTBOUND)
    assert video_out is not None
    assert video_out.bitrate_kbps is not None
    assert video_out.bitrate_kbps > 0
    assert any(isinstance(m, p.ReportStats) and m.session_id == call.session_id for m in reports)

    # Staff share content: the kiosk sees it, then the stop, while the camera keeps flowing.
    assert await staff.engine.start_content(synthetic_content(), ContentKind.SCREEN)
    notice = await kiosk.expect(RemoteContentChanged)
    assert notice.kind is ContentKind.SCREEN
    content = await frame_after(kiosk, "remote_content")
    assert (content.width, content.height) == (480, 270)
    staff_peer = staff.engine.call.peer  # type: ignore[union-attr]
    assert staff_peer is not None
    sender = staff_peer.transceiver(TrackRole.CONTENT).sender  # type: ignore[union-attr]
    assert isinstance(video_tuning.sender_encoder(sender), video_tuning.PinnedVp8Encoder)
    # (Its ICE sockets are enlarged too, as far as the host's net.core.rmem_max allows.)
    await staff.engine.stop_content()
    assert (await kiosk.expect(RemoteContentChanged)).kind is None
    assert kiosk.engine.remote_content.latest() is None
    camera_now = kiosk.engine.remote_camera.sequence
    await frame_after(kiosk, "remote_camera", camera_now + 3)

    # A document page arrives as exact pixels, once the kiosk said how large it shows them.
    viewer = (await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))).event
    assert isinstance(viewer, Viewer)
    assert (viewer.width, viewer.height) == (1920, 1080)
    outcome = await staff.engine.call.sharing.show_page("doc-1", 0, 1, small_page())  # type: ignore[union-attr]
    assert outcome == "sent"
    page = (await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, PageReady))).event
    assert isinstance(page, PageReady)
    assert page.image.size == (120, 80)

    # Hang-up ends both calls; the devices keep running for the next one.
    capture = kiosk.engine.devices.camera
    await staff.engine.hang_up()
    for probe in (kiosk, staff):
        ended = await probe.hub(p.SessionEnded)
        assert ended.reason is p.EndReason.COMPLETED
        await probe.state(CallState.ENDED)
        assert probe.engine.call is None
        assert probe.engine.remote_camera.latest() is None
    assert kiosk.engine.devices.camera is capture
    before = capture.latest_frame()
    await eventually(lambda: capture.latest_frame() is not before)
    await staff.engine.wrap_up("resolved", "住民票の写しを案内")
    await staff.hub(p.WrapUpSaved)
    await kiosk.engine.submit_survey(5)
    await kiosk.hub(p.SurveySaved)


async def test_staff_flip_to_the_next_page_shows_what_the_kiosk_already_holds(
    probes: tuple[Probe, Probe], tmp_path: Path
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    path = three_page_pdf(tmp_path)
    viewer = (await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))).event
    assert isinstance(viewer, Viewer)
    assert viewer.keep_pages == KEEP_PAGES

    def shown(index: int) -> Callable[[DocumentEvent], bool]:
        return lambda e: isinstance(e.event, PageReady) and e.event.page == index

    call = staff.engine.call
    assert call is not None
    with open_document(path) as document:
        assert await staff.engine.show_document_page(document, 0, "three") == "sent"
        first = (await kiosk.expect(DocumentEvent, shown(0))).event
        sender = call.sharing._pages
        assert sender is not None
        await eventually(lambda: sender.stats.pages_sent_ahead == 1)  # page 1; page 0 has no -1

        assert await staff.engine.show_document_page(document, 1, "three") == "sent"
        second = (await kiosk.expect(DocumentEvent, shown(1))).event
        assert sender.stats.pages_shown_kept == 1
        expected = document.render_page(1, (1920, 1080))
        assert isinstance(second, PageReady)
        assert second.image.tobytes() == expected.tobytes()

        # The kiosk lost what it kept (its viewer was rebuilt, say): asked to show page 0
        # again, it says it does not hold it, and staff send it in full instead.
        viewer = kiosk.engine.call.sharing._viewer  # type: ignore[union-attr]
        assert viewer is not None
        viewer._kept.clear()
        assert await staff.engine.show_document_page(document, 0, "three") == "sent"
        again = (await kiosk.expect(DocumentEvent, shown(0))).event
        assert isinstance(again, PageReady)
        assert isinstance(first, PageReady)
        assert again.image.tobytes() == first.image.tobytes()
        assert not [
            e
            for e in staff.events
            if isinstance(e, DocumentEvent) and isinstance(e.event, PageRejected)
        ]


async def test_a_kiosk_set_to_keep_no_pages_is_sent_every_page_in_full(
    hub: RunningHub, loopback_ice: None
) -> None:
    kiosk = await make_probe(hub, hub.kiosk(0), keep_pages=0)
    staff = await make_probe(hub, hub.staff(STAFF))
    try:
        await connect(kiosk, staff)
        viewer = (await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))).event
        assert isinstance(viewer, Viewer)
        assert viewer.keep_pages == 0
        call = staff.engine.call
        assert call is not None
        assert await call.sharing.show_page("doc", 0, 1, small_page()) == "sent"
        await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, PageReady))
        assert await call.sharing.show_page("doc", 0, 1, small_page()) == "sent"
        await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, PageReady))
        sender = call.sharing._pages
        assert sender is not None
        assert (sender.stats.pages_sent, sender.stats.pages_shown_kept) == (2, 0)
    finally:
        await kiosk.engine.close()
        await staff.engine.close()


def black_hole(probe: Probe) -> None:
    """Drop every packet the probe's current peer sends or receives: its network is gone."""
    call = probe.engine.call
    assert call is not None
    assert call.peer is not None
    pc = call.peer.pc
    transports: set[RTCIceTransport] = {t.sender.transport.transport for t in pc.getTransceivers()}
    for ice in transports:
        for protocol in ice._connection._protocols:
            protocol.datagram_received = lambda data, addr: None
            protocol.transport.sendto = lambda data, addr=None: None


async def test_a_peer_gone_silent_is_rebuilt_and_the_call_goes_on(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    kiosk_call = kiosk.engine.call
    assert kiosk_call is not None
    assert kiosk_call.peer is not None
    old_pc = kiosk_call.peer.pc
    capture = kiosk.engine.devices.camera
    # Staff are showing a page and sharing their screen when the kiosk's network goes.
    sharing = staff.engine.call.sharing  # type: ignore[union-attr]
    await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))  # content is open
    assert await sharing.show_page("doc-1", 0, 1, small_page()) == "sent"
    assert await staff.engine.start_content(synthetic_content(), ContentKind.SCREEN)
    await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, PageReady))
    await kiosk.expect(RemoteContentChanged, lambda e: e.kind is ContentKind.SCREEN)
    black_hole(kiosk)
    for probe in (kiosk, staff):
        await probe.state(CallState.RECONNECTING)
    for probe in (kiosk, staff):
        await probe.state(CallState.CONNECTED, within=2 * WAIT)
    assert kiosk.engine.call is kiosk_call  # the same call on a new peer connection
    assert kiosk_call.peer is not None
    assert kiosk_call.peer.pc is not old_pc
    assert kiosk.engine.devices.camera is capture
    for probe in (kiosk, staff):
        seen = probe.engine.remote_camera.sequence
        await frame_after(probe, "remote_camera", seen + 2)
    # What was shown is shown again, without staff doing anything.
    await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, PageReady))
    await kiosk.expect(RemoteContentChanged, lambda e: e.kind is ContentKind.SCREEN)
    await frame_after(kiosk, "remote_content", kiosk.engine.remote_content.sequence)
    assert await staff.engine.send_text("聞こえますか")
    await kiosk.expect(TextReceived)


async def test_a_rebuilt_peer_gets_the_page_on_screen_and_its_neighbours_ahead_again(
    probes: tuple[Probe, Probe], tmp_path: Path
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    path = three_page_pdf(tmp_path)
    await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))
    call = staff.engine.call
    assert call is not None

    def shown(index: int) -> Callable[[DocumentEvent], bool]:
        return lambda e: isinstance(e.event, PageReady) and e.event.page == index

    with open_document(path) as document:
        assert await staff.engine.show_document_page(document, 1, "three") == "sent"
        await kiosk.expect(DocumentEvent, shown(1))
        black_hole(kiosk)
        for probe in (kiosk, staff):
            await probe.state(CallState.RECONNECTING)
        for probe in (kiosk, staff):
            await probe.state(CallState.CONNECTED, within=2 * WAIT)
        # The new viewer kept nothing: page 1 comes again, then pages 2 and 0 ahead of a flip.
        await kiosk.expect(DocumentEvent, shown(1))
        sender = call.sharing._pages
        assert sender is not None
        await eventually(lambda: sender.stats.pages_sent_ahead == 2)
        assert await staff.engine.show_document_page(document, 2, "three") == "sent"
        await kiosk.expect(DocumentEvent, shown(2))
        assert sender.stats.pages_shown_kept == 1


async def test_pages_crossing_while_heartbeats_wait_behind_them_are_no_loss(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))
    call = staff.engine.call
    assert call is not None
    # Staff's heartbeats stop reaching the kiosk, as when they queue behind a page on a slow
    # link, and so does their camera (also a sign of life); what staff send on the content
    # channel still arrives.
    control = call._control
    assert control is not None
    send = control.send
    control.send = lambda message: isinstance(message, Heartbeat) or send(message)  # type: ignore[method-assign]
    assert call.peer is not None
    camera = call.peer.transceiver(TrackRole.CAMERA)
    assert camera is not None
    camera.sender.replaceTrack(None)
    crossing_until = asyncio.get_running_loop().time() + 3 * TIMERS.loss_timeout
    while asyncio.get_running_loop().time() < crossing_until:
        assert await call.sharing.show_page("doc", 0, 1, small_page()) == "sent"
        await asyncio.sleep(TIMERS.heartbeat_interval)
    assert not [
        e
        for e in kiosk.events
        if isinstance(e, CallStateChanged) and e.state is not CallState.CONNECTING
    ]
    # Nothing at all from staff: that is silence, and the kiosk says so.
    lost = await kiosk.state(CallState.RECONNECTING)
    assert "no sign of life" in lost.reason


async def test_a_call_whose_kiosk_vanished_ends_lost_after_the_give_up_time(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    await kiosk.engine.close()  # the kiosk's power is cut: its link and its peer are gone
    await staff.state(CallState.RECONNECTING)
    await staff.hub(p.PeerLinkChanged, lambda m: not m.online)
    lost = await staff.state(CallState.LOST, within=TIMERS.give_up_after + WAIT)
    assert "not connected" in lost.reason
    assert staff.engine.call is not None
    assert staff.engine.call.peer is None
    await staff.engine.hang_up(p.EndReason.COMPLETED)
    await staff.hub(p.SessionEnded)


async def test_commands_that_need_a_call_refuse_without_one(probes: tuple[Probe, Probe]) -> None:
    kiosk, _ = probes
    with pytest.raises(p.LocalProtocolError, match="not in a call"):
        await kiosk.engine.send_phrase(QuickPhrase.YES)
    with pytest.raises(p.LocalProtocolError, match="not waiting"):
        await kiosk.engine.cancel_request()


async def test_a_kiosk_reports_its_activity_and_devices_to_the_hub(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, _ = probes
    sent = spy_on_link(kiosk)
    await kiosk.engine.set_activity(p.KioskActivity.CHOOSING)
    assert sent == [p.ReportStatus(activity=p.KioskActivity.CHOOSING)]


async def test_without_devices_the_engine_falls_back_and_says_so(
    hub: RunningHub, loopback_ice: None, tmp_path: Any
) -> None:
    media = MediaSettings(
        camera=CameraSettings(device=str(tmp_path / "no-camera"), width=160, height=120),
        microphone="no such microphone",
        speaker="no such speaker",
    )
    events: list[EngineEvent] = []
    settings = EngineSettings(url=hub.url, media=media, call=TIMERS)
    engine = Engine(settings, hub.kiosk(0), events.append)
    await engine.start()
    try:
        await eventually(lambda: engine.devices.health.camera is p.DeviceHealth.MISSING)
        health = engine.devices.health
        assert (health.microphone, health.speaker) == (p.DeviceHealth.MISSING,) * 2
        changed = {e.device.value for e in events if type(e).__name__ == "DeviceChanged"}
        assert changed == {"camera", "microphone", "speaker"}
        frame = engine.devices.camera.latest_frame()
        assert frame is None or frame.synthetic
    finally:
        await engine.close()
