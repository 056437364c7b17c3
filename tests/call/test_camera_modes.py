"""The camera's modes, through the real capture path, against a synthetic UVC camera.

`tests/uvc_device.py` behaves like `cv2.VideoCapture` on a UVC camera that offers exactly the
modes it is given, snapping sizes and rates the way the uvcvideo driver does; the probe code in
`call.camera_modes` runs against it unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamTrack

from call.camera import SYNTHETIC_CAMERA, CameraCapture, CameraSettings, CameraStatus
from call.camera_modes import CameraMode, parse_camera_mode, probe_best_mode
from call.peer import ContentTuning, Peer, PeerEvent, RemoteTrackArrived, TrackRole
from call.video_tuning import PinnedVp8Encoder, sender_encoder
from tests.call.test_camera import UNIT, WAIT, StatusLog, wait_for_frame
from tests.uvc_device import (
    TYPICAL_1080P,
    VGA_ONLY,
    YUYV_ONLY_1080P,
    UvcCamera,
    UvcDevice,
    modes,
)

DOCUMENT = CameraSettings(device=0, stall_timeout=4 * UNIT, reopen_interval=WAIT * 10)
FOUR_K = TYPICAL_1080P + modes("MJPG", (3840, 2160, 30))


def document_camera(camera: UvcCamera, mode: str = "best") -> CameraSettings:
    """The kiosk's document camera: `mode` as the setting spells it."""
    settings = CameraSettings(device=0, open_device=camera, stall_timeout=4 * UNIT)
    return settings.with_mode(parse_camera_mode(mode))


# The probe, on the device alone


def test_the_probe_keeps_the_largest_size_the_device_really_sets() -> None:
    device = UvcDevice(TYPICAL_1080P, paced=False)

    probed = probe_best_mode(device, 30)

    assert probed.mode == CameraMode(1920, 1080, 30, "MJPG")
    assert (device.width, device.height, device.fourcc) == (1920, 1080, "MJPG")
    assert probed.first_frame is not None
    assert probed.first_frame.shape == (1080, 1920, 3)


def test_a_size_not_among_the_probes_is_found_where_the_driver_snaps_to_it() -> None:
    device = UvcDevice(
        modes("MJPG", (640, 480, 30), (1280, 720, 30), (2048, 1536, 15)), paced=False
    )

    probed = probe_best_mode(device, 30)

    assert probed.mode == CameraMode(2048, 1536, 15, "MJPG")
    assert probed.sizes_tried == ((2048, 1536),)


def test_a_frame_of_another_shape_than_the_device_reports_is_not_taken_for_that_size() -> None:
    class Liar(UvcDevice):
        """Reports 1920x1080 but, like some drivers, still delivers 1280x720."""

        def read(self) -> tuple[bool, np.ndarray | None]:
            if (self.width, self.height) == (1920, 1080):
                return True, np.zeros((720, 1280, 3), dtype=np.uint8)
            return super().read()

    probed = probe_best_mode(Liar(TYPICAL_1080P, paced=False), 30)

    assert (probed.mode.width, probed.mode.height) == (1280, 720)
    assert probed.sizes_tried == ((1920, 1080), (1280, 720))


# The capture


def test_the_document_camera_opens_1080p_mjpg_by_default() -> None:
    camera = UvcCamera(TYPICAL_1080P)
    log = StatusLog()

    with CameraCapture(document_camera(camera), on_status=log) as capture:
        log.wait_for(lambda statuses: CameraStatus.OK in statuses)
        latest = wait_for_frame(capture)

    assert capture.mode == CameraMode(1920, 1080, 30, "MJPG")
    assert camera.opened[0].mode.fourcc == "MJPG"
    assert not latest.synthetic
    assert latest.image.shape == (1080, 1920, 3)
    assert "1920x1080@30 MJPG" in log.states[0].message
    assert "the largest it delivers" in log.states[0].message


def test_a_setting_chooses_another_mode_and_gets_it() -> None:
    camera = UvcCamera(TYPICAL_1080P)

    with CameraCapture(document_camera(camera, "1280x720")) as capture:
        latest = wait_for_frame(capture)

    assert capture.mode == CameraMode(1280, 720, 30, "MJPG")
    assert latest.image.shape == (720, 1280, 3)


def test_a_device_that_refuses_mjpg_still_opens_its_best_raw_mode() -> None:
    camera = UvcCamera(YUYV_ONLY_1080P)
    log = StatusLog()

    with CameraCapture(document_camera(camera), on_status=log) as capture:
        latest = wait_for_frame(capture)

    # USB 2 carries raw 1080p at 5 fps: slow, but a paper held up is still.
    assert capture.mode == CameraMode(1920, 1080, 5, "YUYV")
    assert latest.image.shape == (1080, 1920, 3)
    assert "1920x1080@5 YUYV" in log.states[0].message


def test_a_device_that_offers_only_vga_opens_vga_and_says_so() -> None:
    log = StatusLog()

    with CameraCapture(document_camera(UvcCamera(VGA_ONLY)), on_status=log) as capture:
        latest = wait_for_frame(capture)

    assert capture.mode == CameraMode(640, 480, 30, "MJPG")
    assert latest.image.shape == (480, 640, 3)
    assert log.states[0].status is CameraStatus.OK
    assert "640x480@30 MJPG" in log.states[0].message


def test_the_face_camera_keeps_its_vga_default_on_a_1080p_device() -> None:
    camera = UvcCamera(TYPICAL_1080P)

    with CameraCapture(CameraSettings(device=0, open_device=camera)) as capture:
        latest = wait_for_frame(capture)

    assert capture.mode == CameraMode(640, 480, 30, "YUYV")  # the device's own format, as before
    assert latest.image.shape == (480, 640, 3)


def test_a_device_that_errors_on_set_is_a_fault_with_the_test_pattern() -> None:
    log = StatusLog()
    settings = document_camera(UvcCamera(TYPICAL_1080P, fail_on=frozenset({"set"})))

    with CameraCapture(settings, on_status=log) as capture:
        log.wait_for(lambda statuses: statuses == [CameraStatus.FAULT])
        first = wait_for_frame(capture, lambda latest: latest.synthetic)
        wait_for_frame(capture, lambda latest: latest.timestamp > first.timestamp)  # still running

    assert "refused its settings" in log.states[0].message
    assert "VIDIOC_S_FMT" in log.states[0].message
    assert capture.mode is None


def test_a_device_that_errors_on_read_is_a_fault_never_an_ok() -> None:
    log = StatusLog()
    camera = UvcCamera(TYPICAL_1080P, fail_on=frozenset({"read"}))

    with CameraCapture(document_camera(camera), on_status=log) as capture:
        log.wait_for(lambda statuses: statuses == [CameraStatus.FAULT])
        first = wait_for_frame(capture, lambda latest: latest.synthetic)
        wait_for_frame(capture, lambda latest: latest.timestamp > first.timestamp)

    assert "gave no frame" in log.states[0].message
    assert camera.opened[0].released


def test_an_unplugged_document_camera_is_missing() -> None:
    log = StatusLog()

    with CameraCapture(document_camera(UvcCamera(plugged=False)), on_status=log) as capture:
        log.wait_for(lambda statuses: statuses == [CameraStatus.MISSING])
        latest = wait_for_frame(capture)

    assert latest.synthetic


def test_a_camera_that_fails_after_opening_draws_the_pattern_at_its_opened_size() -> None:
    log = StatusLog()
    camera = UvcCamera(TYPICAL_1080P)

    with CameraCapture(document_camera(camera), on_status=log) as capture:
        log.wait_for(lambda statuses: statuses == [CameraStatus.OK])
        camera.opened[0].fail_on = frozenset({"read"})
        log.wait_for(lambda statuses: statuses == [CameraStatus.OK, CameraStatus.FAULT])
        pattern = wait_for_frame(capture, lambda latest: latest.synthetic)

    assert pattern.image.shape == (1080, 1920, 3)  # the encoder keeps its size


def test_a_paused_document_camera_sends_the_still_at_its_full_size() -> None:
    with CameraCapture(document_camera(UvcCamera(TYPICAL_1080P))) as capture:
        wait_for_frame(capture, lambda latest: not latest.synthetic)
        capture.paused = True
        still = wait_for_frame(capture, lambda latest: latest.paused)

    assert still.image.shape == (1080, 1920, 3)


def test_the_newest_frame_is_kept_not_a_queue_of_them() -> None:
    camera = UvcCamera(TYPICAL_1080P)
    with CameraCapture(document_camera(camera)) as capture:
        first = wait_for_frame(capture, lambda latest: not latest.synthetic)
        later = wait_for_frame(capture, lambda latest: latest.timestamp > first.timestamp)
        reads = camera.opened[0].reads

    assert later.timestamp > first.timestamp
    assert reads >= 2  # the slot held one of them at a time: nothing else refers to the others


# Tracks


async def test_frames_of_the_opened_size_reach_a_track() -> None:
    with CameraCapture(document_camera(UvcCamera(TYPICAL_1080P))) as capture:
        wait_for_frame(capture, lambda latest: not latest.synthetic)
        track = capture.track()
        frames = [await asyncio.wait_for(track.recv(), WAIT) for _ in range(2)]
        track.stop()

    assert [(frame.width, frame.height) for frame in frames] == [(1920, 1080)] * 2


async def test_a_4k_capture_is_sent_live_at_1080p_and_kept_whole_for_stills() -> None:
    paper = np.full((2160, 3840, 3), 255, dtype=np.uint8)
    paper[::2, ::2] = 0  # detail that only the full-resolution frame keeps
    with CameraCapture(document_camera(UvcCamera(FOUR_K, image=paper))) as capture:
        whole = wait_for_frame(capture, lambda latest: not latest.synthetic)
        track = capture.track()
        live = await asyncio.wait_for(track.recv(), WAIT)
        track.stop()

    assert capture.mode == CameraMode(3840, 2160, 30, "MJPG")
    assert whole.image.shape == (2160, 3840, 3)
    assert np.array_equal(whole.image, paper)
    assert (live.width, live.height) == (1920, 1080)


# Over a real peer connection


class Silence(MediaStreamTrack):
    kind = "audio"

    async def recv(self) -> av.AudioFrame:
        await asyncio.sleep(0.02)
        frame = av.AudioFrame(format="s16", layout="mono", samples=960)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 48000
        frame.pts = None  # aiortc's Opus encoder stamps it
        return frame


@dataclass
class Side:
    peer: Peer
    events: asyncio.Queue[PeerEvent] = field(default_factory=asyncio.Queue)

    async def next_track(self, role: TrackRole) -> MediaStreamTrack:
        async with asyncio.timeout(WAIT):
            while True:
                event = await self.events.get()
                if isinstance(event, RemoteTrackArrived) and event.role is role:
                    return event.track


async def frames_from(track: MediaStreamTrack, count: int) -> list[av.VideoFrame]:
    frames: list[av.VideoFrame] = []
    async with asyncio.timeout(WAIT):
        while len(frames) < count:
            frame = await track.recv()
            assert isinstance(frame, av.VideoFrame)
            frames.append(frame)
    return frames


def tuned_side(name: str, *, offerer: bool, faces: CameraCapture) -> Side:
    """A peer with the tuning the engine gives every peer (the pinned, paced content sender)."""
    events: asyncio.Queue[PeerEvent] = asyncio.Queue()
    peer = Peer(
        name=name,
        offerer=offerer,
        ice_servers=[],
        audio=Silence(),
        camera=faces.track(),
        on_event=events.put_nowait,
        tuning=ContentTuning(),
        close_timeout=UNIT / 5,
    )
    return Side(peer, events)


@pytest.fixture
async def pair(loopback_ice: None) -> AsyncIterator[tuple[Side, Side]]:
    faces = CameraCapture(CameraSettings(device=SYNTHETIC_CAMERA, width=160, height=120, fps=10))
    faces.start()
    kiosk = tuned_side("kiosk", offerer=False, faces=faces)
    staff = tuned_side("staff", offerer=True, faces=faces)
    answer = await kiosk.peer.accept_offer(await staff.peer.create_offer())
    await staff.peer.accept_answer(answer)
    yield kiosk, staff
    await kiosk.peer.close()
    await staff.peer.close()
    await asyncio.to_thread(faces.close)


async def test_staff_receive_the_document_camera_at_1080p_from_the_tuned_content_encoder(
    pair: tuple[Side, Side],
) -> None:
    kiosk, staff = pair
    with CameraCapture(document_camera(UvcCamera(TYPICAL_1080P))) as capture:
        wait_for_frame(capture, lambda latest: not latest.synthetic)
        content_track = await staff.next_track(TrackRole.CONTENT)
        assert kiosk.peer.start_content(capture.track(fps=5))  # a few frames are enough here
        received = await frames_from(content_track, 2)
        transceiver = kiosk.peer.transceiver(TrackRole.CONTENT)
        assert transceiver is not None
        encoder = sender_encoder(transceiver.sender)
        kiosk.peer.stop_content()

    assert isinstance(received[-1], av.VideoFrame)
    assert (received[-1].width, received[-1].height) == (1920, 1080)
    assert isinstance(encoder, PinnedVp8Encoder)
