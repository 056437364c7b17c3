"""The citizen's paper, from the document camera to the console, through a real hub.

A synthetic UVC document camera (tests/uvc_device.py, 2592x1944 like a 5 MP document camera)
looks at an A4 test page lying at an angle on a desk (tests/paper_scene.py). Staff click
「撮影」, the kiosk takes the camera's newest full-resolution frame, finds the sheet,
straightens it and sends it over the paper channel; what staff receive must be exactly the
kiosk's straightened pixels, with 10 pt text at least 18 px to the em.
"""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import replace

import cv2
import numpy as np
import pytest

from call.camera import CameraCapture, CameraSettings
from call.content_messages import Marks, Pointer
from call.control_messages import ContentKind
from call.document import still_document
from call.page_receiver import PageReady
from call.session import CallSettings, CallState, PaperAsked
from call.sharing import DocumentEvent, PaperReceived, PaperSent
from tests.call.test_engine import STAFF, TIMERS, Probe, connect, make_probe
from tests.fixtures.hub import RunningHub
from tests.paper_scene import measured_em_px, photograph
from tests.paper_scene import test_page as a4_test_page
from tests.uvc_device import UvcCamera, modes

# A document camera: 5 MP stills, 1080p video.
DOCUMENT_CAMERA_MODES = modes("MJPG", (1920, 1080, 30), (2592, 1944, 15))
A4_PX_PER_MM = 12.0  # the page as drawn before it is photographed: finer than the camera sees
SMALLEST_EM_PX = 18.0  # the floor for 10 pt text in the still


@pytest.fixture
async def probes(hub: RunningHub, loopback_ice: None) -> AsyncIterator[tuple[Probe, Probe]]:
    # The real loss timeout: a 5 MB still crossing Python's SCTP at both ends of one event
    # loop, on a busy machine, must not look like a lost peer.
    timers = replace(TIMERS, loss_timeout=CallSettings().loss_timeout)
    kiosk = await make_probe(hub, hub.kiosk(0), call=timers)
    staff = await make_probe(hub, hub.staff(STAFF), call=timers)
    yield kiosk, staff
    await kiosk.engine.close()
    await staff.engine.close()


async def call_showing_the_paper(
    kiosk: Probe, staff: Probe, *, tilt_deg: float, rotate_deg: float
) -> CameraCapture:
    """A call in which the kiosk's document camera looks at the A4 test page, lying as given."""
    # Drawn before the call: it takes the loop a few seconds.
    scene = photograph(
        a4_test_page(A4_PX_PER_MM), (2592, 1944), fill=0.9, tilt_deg=tilt_deg, rotate_deg=rotate_deg
    )
    # OpenCV cameras give BGR.
    camera = UvcCamera(DOCUMENT_CAMERA_MODES, image=cv2.cvtColor(scene.frame, cv2.COLOR_RGB2BGR))
    capture = CameraCapture(CameraSettings(device=0, best=True, open_device=camera))
    await connect(kiosk, staff)
    await asyncio.to_thread(capture.start)
    async with asyncio.timeout(10):
        while (frame := capture.latest_frame()) is None or frame.synthetic:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert await kiosk.engine.start_content(capture, ContentKind.DOCUMENT_CAMERA)
    return capture


async def test_staffs_shot_brings_the_straightened_paper_losslessly(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    # Sideways and askew.
    capture = await call_showing_the_paper(kiosk, staff, tilt_deg=12.0, rotate_deg=90.0 - 4.0)
    assert capture.mode is not None
    assert (capture.mode.width, capture.mode.height) == (2592, 1944)

    assert await staff.engine.ask_for_paper()  # 「撮影」
    await kiosk.expect(PaperAsked)
    asked_at = time.monotonic()
    sent = await kiosk.engine.send_paper()  # what the kiosk app does on PaperAsked
    received = await staff.expect(PaperReceived)
    shown_ms = 1000 * (time.monotonic() - asked_at)

    assert sent.delivered
    assert sent.straightened
    assert sent.image is not None
    assert received.paper_id == sent.paper_id
    assert np.array_equal(np.asarray(received.image), sent.image)  # lossless, pixel for pixel
    height, width = sent.image.shape[:2]
    assert width > height  # it lay sideways, and stays so: staff turn it in their view
    assert abs(width / height - 297 / 210) < 0.03
    em = measured_em_px(np.asarray(cv2.rotate(sent.image, cv2.ROTATE_90_CLOCKWISE)))
    print(f"\nstill {width}x{height}, 10 pt em {em:.1f} px, shot to staff {shown_ms:.0f} ms")
    assert em >= SMALLEST_EM_PX
    assert (await kiosk.expect(PaperSent)).paper_id == sent.paper_id


async def test_a_shot_without_the_document_camera_sends_nothing_and_says_so(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)
    sent = await kiosk.engine.send_paper()
    assert (sent.image, sent.delivered, sent.paper_id) == (None, False, "")
    assert (await kiosk.expect(PaperSent)).image is None
    assert not [e for e in staff.events if isinstance(e, PaperReceived)]


async def test_the_still_is_gone_from_both_engines_after_the_call(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await call_showing_the_paper(kiosk, staff, tilt_deg=5.0, rotate_deg=90.0)
    sent = await kiosk.engine.send_paper()
    received = await staff.expect(PaperReceived)
    assert sent.image is not None
    kept = [weakref.ref(received.image)]
    kiosk.events.clear()
    del sent, received
    await staff.engine.hang_up()
    for probe in (kiosk, staff):
        await probe.state(CallState.ENDED)
    staff.events.clear()
    gc.collect()
    assert [ref() for ref in kept] == [None]


async def test_staff_show_the_still_back_and_point_at_a_box_on_it(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await call_showing_the_paper(kiosk, staff, tilt_deg=8.0, rotate_deg=92.0)
    await kiosk.engine.send_paper()
    received = await staff.expect(PaperReceived)
    await kiosk.engine.stop_content()  # the document camera off: the kiosk shows pages again

    # 「市民に見せる」: the still, from memory, as a page of its own; then "this box here".
    with still_document(received.image, received.paper_id) as document:
        outcome = await staff.engine.show_document_page(document, 0, received.paper_id)
        assert outcome == "sent"
        shown = await kiosk.expect(
            DocumentEvent,
            lambda e: isinstance(e.event, PageReady) and e.event.doc_id == received.paper_id,
        )
        await staff.engine.send_marks(received.paper_id, 0, [Pointer(x=0.3, y=0.6)])
        marks = await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, Marks))
    assert isinstance(shown.event, PageReady)
    page = np.asarray(shown.event.image)
    assert abs(page.shape[1] / page.shape[0] - 297 / 210) < 0.03  # the sheet, sideways
    assert isinstance(marks.event, Marks)
    assert (marks.event.doc_id, marks.event.page) == (received.paper_id, 0)
    assert marks.event.marks == [Pointer(x=0.3, y=0.6)]
