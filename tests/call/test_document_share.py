"""Pages and marks between two real aiortc peers over loopback, and the wire format itself."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aioice.ice
import msgspec
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection
from PIL import Image

from call.content_messages import (
    CHANNEL_LABEL,
    CHANNEL_PROTOCOL,
    CHUNK_HEADER,
    MAX_CHUNK_PAYLOAD,
    ClearMarks,
    DocumentClosed,
    Highlight,
    Mark,
    Marks,
    PageBegin,
    PageEnd,
    PageRejected,
    PageShown,
    PenStroke,
    Pointer,
    Viewer,
    ViewerEvent,
    chunk_frame,
    decode_message,
    encode_message,
)
from call.data_channels import create_content_channel, is_content_channel
from call.document import EncodedPage, PageFormat, encode_page, open_document
from call.page_receiver import ContentEvent, PageReady, PageReceiver
from call.page_sender import HIGH_WATER, PageSender, TransferOutcome
from tests.call.fixtures.japanese_form import font_available, japanese_form

# aiortc's SCTP has no pacer and advertises a 1 MiB window, so on loopback a page leaves in bursts
# that overflow the default ~208 KiB UDP receive buffer; each loss then stalls for SCTP's 1 s
# minimum retransmission timeout. The engine enlarges its ICE socket buffers (docs/video.md,
# The tweaks) and so do these tests; bench/document_share.py measures both.
SOCKET_BUFFER = 4 * 1024 * 1024
UNIT = 0.05  # seconds; every timeout here is a multiple of it
WAIT = 100 * UNIT  # how long a connection or a few MB of pages may take
LOGGER = "call.page_receiver"
E = TypeVar("E")
Q = TypeVar("Q")


@dataclass
class Call:
    """Both ends of the content channel, with what each side received."""

    staff: PageSender
    kiosk: PageReceiver
    staff_channel: RTCDataChannel
    kiosk_channel: RTCDataChannel
    viewer_events: asyncio.Queue[ViewerEvent]
    content_events: asyncio.Queue[ContentEvent]


def enlarge_receive_buffers(pc: RTCPeerConnection) -> None:
    """Give the ICE sockets of `pc` larger receive buffers (capped by the OS's rmem_max)."""
    assert pc.sctp is not None
    gatherer = pc.sctp.transport.transport.iceGatherer
    for protocol in gatherer._connection._protocols:
        sock = protocol.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)


@contextlib.asynccontextmanager
async def open_channels(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[RTCDataChannel, RTCDataChannel]]:
    """Two real aiortc peers on loopback with the content channel open: (staff's, kiosk's)."""
    # aioice offers every interface except 127.0.0.1; pin ICE to loopback so the test needs no
    # network and no STUN server.
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    config = RTCConfiguration(iceServers=[])
    staff_pc, kiosk_pc = RTCPeerConnection(config), RTCPeerConnection(config)
    opened: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    kiosk_pc.on("datachannel", opened.set_result)
    staff_channel = create_content_channel(staff_pc)
    await staff_pc.setLocalDescription(await staff_pc.createOffer())
    await kiosk_pc.setRemoteDescription(staff_pc.localDescription)
    await kiosk_pc.setLocalDescription(await kiosk_pc.createAnswer())
    await staff_pc.setRemoteDescription(kiosk_pc.localDescription)
    enlarge_receive_buffers(staff_pc)
    enlarge_receive_buffers(kiosk_pc)
    kiosk_channel = await asyncio.wait_for(opened, WAIT)
    if staff_channel.readyState != "open":
        staff_open = asyncio.Event()
        staff_channel.on("open", staff_open.set)
        await asyncio.wait_for(staff_open.wait(), WAIT)
    assert is_content_channel(kiosk_channel)
    try:
        yield staff_channel, kiosk_channel
    finally:
        await staff_pc.close()
        await kiosk_pc.close()


@contextlib.asynccontextmanager
async def open_call(monkeypatch: pytest.MonkeyPatch, *, keep_pages: int = 0) -> AsyncIterator[Call]:
    """A `PageSender` and a `PageReceiver` on the two ends of a real content channel."""
    async with open_channels(monkeypatch) as (staff_channel, kiosk_channel):
        viewer_events: asyncio.Queue[ViewerEvent] = asyncio.Queue()
        content_events: asyncio.Queue[ContentEvent] = asyncio.Queue()
        kiosk = PageReceiver(kiosk_channel, content_events.put_nowait, keep_pages=keep_pages)
        staff = PageSender(staff_channel, viewer_events.put_nowait)
        yield Call(staff, kiosk, staff_channel, kiosk_channel, viewer_events, content_events)
        await kiosk.close()


async def next_of(queue: asyncio.Queue[Q], kind: type[E]) -> E:
    event = await asyncio.wait_for(queue.get(), WAIT)
    assert isinstance(event, kind), f"expected {kind.__name__}, got {event!r}"
    return event


def noise_page(side: int, seed: int = 0) -> tuple[Image.Image, EncodedPage]:
    """An incompressible page, so its size in bytes is known: about 3 * side**2."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8), "RGB")
    return image, encode_page(image, accept=[PageFormat.PNG])


def assert_same_pixels(received: Image.Image, sent: Image.Image) -> None:
    assert received.size == sent.size
    assert np.array_equal(np.asarray(received), np.asarray(sent))


needs_cjk_font = pytest.mark.skipif(not font_available(), reason="needs Debian's fonts-noto-cjk")


@needs_cjk_font
async def test_a_dense_japanese_page_arrives_as_exactly_the_rendered_pixels(
    call: Call, tmp_path: Path
) -> None:
    path = tmp_path / "form.png"
    japanese_form(seed=7).save(path)
    call.kiosk.announce_viewer(1920, 1080)
    viewer = await next_of(call.viewer_events, Viewer)
    assert call.staff.viewer == viewer
    with open_document(path) as document:
        rendered = document.render_page(0, (viewer.width, viewer.height))
    encoded = encode_page(rendered, accept=viewer.formats)
    assert encoded.format is PageFormat.WEBP

    assert await call.staff.send_page("doc-1", 0, 1, encoded) is TransferOutcome.SENT

    page = await next_of(call.content_events, PageReady)
    assert (page.doc_id, page.page, page.page_count) == ("doc-1", 0, 1)
    assert_same_pixels(page.image, rendered)
    shown = await next_of(call.viewer_events, PageShown)
    assert shown.transfer == page.transfer


@needs_cjk_font
async def test_a_three_page_pdf_navigates_page_by_page(call: Call, tmp_path: Path) -> None:
    path = tmp_path / "forms.pdf"
    forms = [japanese_form(960, 540, seed=seed) for seed in range(3)]
    forms[0].save(path, "PDF", resolution=96, save_all=True, append_images=forms[1:])
    call.kiosk.announce_viewer(960, 540)
    viewer = await next_of(call.viewer_events, Viewer)
    with open_document(path) as document:
        for index in (0, 1, 2, 1):
            rendered = document.render_page(index, (viewer.width, viewer.height))
            encoded = await asyncio.to_thread(encode_page, rendered, viewer.formats)
            await call.staff.send_page("forms", index, document.page_count, encoded)
            page = await next_of(call.content_events, PageReady)
            assert (page.page, page.page_count) == (index, 3)
            assert_same_pixels(page.image, rendered)


async def test_a_page_larger_than_one_message_goes_in_chunks(call: Call) -> None:
    image, encoded = noise_page(400)
    assert len(encoded.data) > MAX_CHUNK_PAYLOAD
    await call.staff.send_page("scan", 0, 1, encoded)
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, image)
    assert call.staff.stats.chunks_sent == -(-len(encoded.data) // MAX_CHUNK_PAYLOAD) > 1


async def test_a_burst_of_pages_pauses_the_sender_and_bounds_the_buffer(call: Call) -> None:
    pages = [noise_page(520, seed) for seed in range(3)]  # ~0.8 MB each, 2.4 MB in all
    for index, (_, encoded) in enumerate(pages):
        assert await call.staff.send_page("scans", index, 3, encoded) is TransferOutcome.SENT

    assert call.staff.stats.pauses >= 1
    assert call.staff.stats.peak_buffered <= HIGH_WATER + CHUNK_HEADER.size + MAX_CHUNK_PAYLOAD
    shown = [await next_of(call.content_events, PageReady)]
    while shown[-1].page != 2:
        shown.append(await next_of(call.content_events, PageReady))
    assert [page.page for page in shown] == sorted({page.page for page in shown})
    assert_same_pixels(shown[-1].image, pages[2][0])


async def test_a_newer_page_supersedes_one_still_in_flight(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    _, big = noise_page(700)  # ~1.5 MB: more than the sender queues before it pauses
    small_image, small = noise_page(100)
    first = asyncio.create_task(call.staff.send_page("doc", 0, 2, big))
    await asyncio.sleep(0)  # the transfer queues up to the cap at once, then pauses
    assert call.staff.stats.pauses == 1

    assert await call.staff.send_page("doc", 1, 2, small) is TransferOutcome.SENT
    assert await first is TransferOutcome.SUPERSEDED
    page = await next_of(call.content_events, PageReady)
    assert page.page == 1
    assert_same_pixels(page.image, small_image)
    assert "superseded" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_marks_arrive_intact_and_in_order(call: Call) -> None:
    sent: list[Sequence[Mark]] = [[Pointer(x=0.1 * step, y=0.5)] for step in range(10)]
    stroke = [(i / 300, (i % 17) / 17) for i in range(300)]
    sent += [
        [Highlight(id="h1", x=0.2, y=0.3, width=0.4, height=0.05)],
        [PenStroke(id="s1", points=stroke[:150])],
        [PenStroke(id="s1", points=stroke, color="#1E88E5", width=0.004)],
        [Pointer(x=0.0, y=1.0, visible=False)],
    ]
    for marks in sent:
        call.staff.send_marks("doc", 3, marks)
    call.staff.clear_marks("doc", 3)

    for marks in sent:
        assert await next_of(call.content_events, Marks) == Marks(
            doc_id="doc", page=3, marks=list(marks)
        )
    assert await next_of(call.content_events, ClearMarks) == ClearMarks(doc_id="doc", page=3)


async def test_marks_overtake_a_page_still_streaming(call: Call) -> None:
    _, big = noise_page(700)
    transfer = asyncio.create_task(call.staff.send_page("doc", 0, 1, big))
    await asyncio.sleep(0)  # the transfer queues up to the cap at once, then pauses
    assert call.staff.stats.pauses == 1

    call.staff.send_marks("doc", 0, [Pointer(x=0.5, y=0.5)])

    assert isinstance(await next_of(call.content_events, Marks), Marks)
    assert await transfer is TransferOutcome.SENT
    assert isinstance(await next_of(call.content_events, PageReady), PageReady)


async def test_closing_a_document_stops_its_page_and_tells_the_viewer(call: Call) -> None:
    _, big = noise_page(700)
    transfer = asyncio.create_task(call.staff.send_page("doc", 0, 1, big))
    await asyncio.sleep(0)  # the transfer queues up to the cap at once, then pauses
    assert call.staff.stats.pauses == 1

    call.staff.close_document("doc")

    assert await transfer is TransferOutcome.SUPERSEDED
    assert await next_of(call.content_events, DocumentClosed) == DocumentClosed(doc_id="doc")
    _, small = noise_page(50)
    await call.staff.send_page("next", 0, 1, small)
    assert (await next_of(call.content_events, PageReady)).doc_id == "next"


def page_frames(
    transfer: int, data: bytes, sha256: str | None = None
) -> tuple[str, bytes, bytes, str]:
    """A page transfer as raw channel messages, for feeding the viewer bad input."""
    begin = PageBegin(
        transfer=transfer, doc_id="doc", page=0, page_count=1, width=50, height=50,
        format=PageFormat.PNG, size=len(data), chunks=2,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    half = len(data) // 2
    return (
        encode_message(begin),
        chunk_frame(transfer, 0, data[:half]),
        chunk_frame(transfer, 1, data[half:]),
        encode_message(PageEnd(transfer=transfer)),
    )


async def test_a_corrupted_chunk_is_rejected_and_no_page_is_shown(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    good_image, good = noise_page(50)
    corrupted = bytearray(good.data)
    corrupted[len(corrupted) // 2] ^= 0xFF
    for frame in page_frames(41, bytes(corrupted), sha256=hashlib.sha256(good.data).hexdigest()):
        call.staff_channel.send(frame)

    rejected = await next_of(call.viewer_events, PageRejected)
    assert rejected == PageRejected(transfer=41, reason="sha256 mismatch")
    assert any(
        record.levelno == logging.ERROR and "sha256 mismatch" in record.getMessage()
        for record in caplog.records
    )
    await call.staff.send_page("doc", 0, 1, good)
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, good_image)


def bad_inputs() -> dict[str, list[str | bytes]]:
    _, page = noise_page(50)
    begin, first, second, end = page_frames(9, page.data)
    return {
        "not json": ["{nope"],
        "an unknown type": ['{"type":"launch_missiles"}'],
        "a pointer off the page": [
            '{"type":"marks","doc_id":"d","page":0,"marks":[{"kind":"pointer","x":1.5,"y":0}]}'
        ],
        "a message only the viewer sends": [encode_message(Viewer(width=10, height=10))],
        "a binary message too short": [b"\x01\x00"],
        "a chunk of an unknown kind": [b"\x07" + first[1:]],
        "a chunk with no transfer": [first],
        "an end with no transfer": [end],
        "a page past the page count": [begin.replace('"page":0', '"page":4'), first, second, end],
        "chunks out of order": [begin, second, first, end],
        "a page that ends early": [begin, first, end],
        "more bytes than announced": [begin, first, second, second, end],
        "bytes that are not the format": list(page_frames(9, b"GIF89a" + bytes(64))),
    }


@pytest.mark.parametrize("case", list(bad_inputs()))
async def test_bad_input_is_logged_and_dropped_and_the_channel_goes_on(
    call: Call, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    for frame in bad_inputs()[case]:
        call.staff_channel.send(frame)
    image, good = noise_page(60, seed=1)

    await call.staff.send_page("doc", 0, 1, good)

    page = await next_of(call.content_events, PageReady)
    assert_same_pixels(page.image, image)
    assert any(record.levelno >= logging.WARNING for record in caplog.records)


async def test_a_failing_app_callback_is_logged_not_fatal(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[ContentEvent] = []

    def crash_once(event: ContentEvent) -> None:
        received.append(event)
        if len(received) == 1:
            raise RuntimeError("bug in the app")

    failing = PageReceiver(call.kiosk_channel, crash_once)
    call.staff.send_marks("doc", 0, [Pointer(x=0.1, y=0.1)])
    call.staff.send_marks("doc", 0, [Pointer(x=0.2, y=0.2)])
    await next_of(call.content_events, Marks)
    await next_of(call.content_events, Marks)
    await failing.close()
    assert len(received) == 2
    assert "event callback failed" in caplog.text


async def test_a_closed_receiver_delivers_nothing_more(call: Call) -> None:
    await call.kiosk.close()
    await call.kiosk.close()  # closing twice is harmless
    successor: asyncio.Queue[ContentEvent] = asyncio.Queue()
    PageReceiver(call.kiosk_channel, successor.put_nowait)

    call.staff.send_marks("doc", 0, [Pointer(x=0.5, y=0.5)])

    await next_of(successor, Marks)
    assert call.content_events.empty()


async def test_sending_on_a_closed_channel_reports_closed(call: Call) -> None:
    closed = asyncio.Event()
    call.staff_channel.on("close", closed.set)
    call.staff_channel.close()
    await asyncio.wait_for(closed.wait(), WAIT)
    _, page = noise_page(20)
    assert await call.staff.send_page("doc", 0, 1, page) is TransferOutcome.CLOSED
    call.staff.send_marks("doc", 0, [Pointer(x=0.5, y=0.5)])  # dropped quietly, no raise


def test_messages_are_plain_tagged_json_a_browser_can_read() -> None:
    message = Marks(doc_id="d", page=2, marks=[Pointer(x=0.25, y=0.75)])
    assert msgspec.json.decode(encode_message(message)) == {
        "type": "marks",
        "doc_id": "d",
        "page": 2,
        "marks": [{"kind": "pointer", "x": 0.25, "y": 0.75, "visible": True}],
    }
    assert decode_message(encode_message(message)) == message


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    text = '{"type":"clear_marks","doc_id":"d","page":0,"by":"staff-7"}'
    assert decode_message(text) == ClearMarks(doc_id="d", page=0)


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"marks","doc_id":"d","page":0,"marks":[{"kind":"highlight","id":"h",'
        '"x":0,"y":0,"width":0.1,"height":0.1,"color":"red"}]}',
        '{"type":"page_begin","transfer":1,"doc_id":"d","page":0,"page_count":1,"width":9000,'
        '"height":10,"format":"webp","size":1,"chunks":1,"sha256":"' + "0" * 64 + '"}',
        '{"type":"page_begin","transfer":1,"doc_id":"d","page":0,"page_count":1,"width":10,'
        '"height":10,"format":"jpeg","size":1,"chunks":1,"sha256":"' + "0" * 64 + '"}',
    ],
)
def test_out_of_range_fields_are_refused_when_decoded(text: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_message(text)


def test_a_chunk_is_a_nine_byte_header_then_the_payload() -> None:
    frame = chunk_frame(0x01020304, 5, b"data")
    assert frame == b"\x01\x01\x02\x03\x04\x00\x00\x00\x05data"
    assert CHUNK_HEADER.size + MAX_CHUNK_PAYLOAD == 256 * 1024


def test_the_channel_is_named_and_versioned() -> None:
    assert (CHANNEL_LABEL, CHANNEL_PROTOCOL) == ("content", "madoguchi-content/1")


async def test_a_sender_refuses_watermarks_that_could_never_resume(call: Call) -> None:
    with pytest.raises(ValueError, match="low_water"):
        PageSender(call.staff_channel, high_water=100, low_water=100)
