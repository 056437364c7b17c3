"""Pixels 1:1 and sharp zoom between two real aiortc peers over loopback.

The kiosk announces the size it draws pages into, staff render for exactly that size; the kiosk
reports the part of the page the citizen sees, staff render that part again at the kiosk's
scale; staff ask the kiosk to look at a box (docs/content-channel.md, "Sharp zoom").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec
import numpy as np
import pytest
from PIL import Image

from call.bridge import LatestFrame
from call.content_messages import (
    Focus,
    PageBegin,
    PageEnd,
    PageRejected,
    Region,
    View,
    Viewer,
    chunk_frame,
    decode_message,
    encode_message,
)
from call.document import Document, EncodedPage, fit_size, open_document
from call.page_receiver import PageReady
from call.page_sender import TransferOutcome
from call.sharing import DocumentEvent, Sharing, SharingEvent
from tests.call.fixtures.text_pdf import Line, dense_text_lines, text_pdf
from tests.call.test_document_share import (
    WAIT,
    Call,
    assert_same_pixels,
    next_of,
    noise_page,
    open_channels,
)

E = TypeVar("E")
Q = TypeVar("Q")
VIEWER = (800, 600)
MM_PER_PX = 0.2745  # the reference 23.8" 1920x1080 panel
ZOOM_BOX = (0.05, 0.02, 0.45, 0.2)  # the top left of the form: its title and first lines


@dataclass
class Ends:
    """The `Sharing` of each end of one call, on a real content channel, and what each heard."""

    staff: Sharing
    kiosk: Sharing
    staff_heard: asyncio.Queue[SharingEvent]
    kiosk_heard: asyncio.Queue[SharingEvent]


@contextlib.asynccontextmanager
async def open_sharing(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Ends]:
    async with open_channels(monkeypatch) as (staff_channel, kiosk_channel):
        staff_heard: asyncio.Queue[SharingEvent] = asyncio.Queue()
        kiosk_heard: asyncio.Queue[SharingEvent] = asyncio.Queue()
        staff = Sharing(
            "s1", staff=True, emit=staff_heard.put_nowait,
            remote_content=LatestFrame("staff content"), viewer_size=(1920, 1080),
        )  # fmt: skip
        kiosk = Sharing(
            "s1", staff=False, emit=kiosk_heard.put_nowait,
            remote_content=LatestFrame("kiosk content"), viewer_size=VIEWER, keep_pages=3,
            mm_per_px=MM_PER_PX,
        )  # fmt: skip
        staff.content_channel_opened(staff_channel)
        kiosk.content_channel_opened(kiosk_channel)
        try:
            yield Ends(staff, kiosk, staff_heard, kiosk_heard)
        finally:
            await staff.close()
            await kiosk.close()


@pytest.fixture
async def ends(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Ends]:
    async with open_sharing(monkeypatch) as opened:
        viewer = await heard(opened.staff_heard, Viewer)
        assert (viewer.width, viewer.height, viewer.mm_per_px) == (*VIEWER, MM_PER_PX)
        yield opened


@pytest.fixture
def form(tmp_path: Path) -> Iterator[Document]:
    """An A4 form of small vector text: a 14 pt title over 7 pt body lines."""
    lines = [Line("Application for a copy of the residence record", 14.0)]
    lines += dense_text_lines(7.0, 60)
    with open_document(text_pdf(tmp_path / "form.pdf", lines)) as document:
        yield document


async def heard(
    queue: asyncio.Queue[SharingEvent], kind: type[E], where: Callable[[E], bool] = lambda e: True
) -> E:
    """The next document event of `kind` that matches, skipping the others."""
    async with asyncio.timeout(WAIT):
        while True:
            event = await queue.get()
            if isinstance(event, DocumentEvent) and isinstance(event.event, kind):
                if where(event.event):
                    return event.event


def a_region(page: PageReady) -> bool:
    return page.region is not None


def whole(page: PageReady) -> bool:
    return page.region is None


def zoomed_view(document: Document, box: tuple[float, float, float, float]) -> View:
    """The view of a kiosk showing `box` of page 0 to fill its viewer, aspect kept."""
    page_width, page_height = document.page_size_pt(0)
    x, y, width, height = box
    width_px, height_px = fit_size((width * page_width, height * page_height), VIEWER)
    return View(
        doc_id="form", page=0, x=x, y=y, width=width, height=height,
        width_px=width_px, height_px=height_px,
    )  # fmt: skip


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float64)


def edge_energy(image: Image.Image) -> float:
    """Mean squared gradient: how crisp the text's edges are."""
    gray = pixels(image)
    return float((np.diff(gray, axis=0) ** 2).mean() + (np.diff(gray, axis=1) ** 2).mean())


async def show_form(ends: Ends, form: Document) -> PageReady:
    await ends.staff.show_document_page(form, 0, "form", VIEWER)
    return await heard(ends.kiosk_heard, PageReady, whole)


async def test_the_page_is_rendered_for_exactly_the_size_the_kiosk_draws(
    ends: Ends, form: Document
) -> None:
    page = await show_form(ends, form)
    assert page.image.size == fit_size(form.page_size_pt(0), VIEWER) == (424, 600)
    assert page.image.tobytes() == form.render_page(0, VIEWER).tobytes()


async def test_a_new_viewer_size_brings_the_page_on_screen_rendered_for_it(
    ends: Ends, form: Document
) -> None:
    await show_form(ends, form)

    ends.kiosk.announce_viewer(1000, 900)

    viewer = await heard(ends.staff_heard, Viewer)
    assert (viewer.width, viewer.height) == (1000, 900)
    page = await heard(ends.kiosk_heard, PageReady, whole)
    assert (page.doc_id, page.page) == ("form", 0)
    assert page.image.size == fit_size(form.page_size_pt(0), (1000, 900)) == (636, 900)
    assert page.image.tobytes() == form.render_page(0, (1000, 900)).tobytes()


async def test_a_zoomed_view_brings_a_fresh_render_of_that_region_not_enlarged_pixels(
    ends: Ends, form: Document
) -> None:
    fit = await show_form(ends, form)
    view = zoomed_view(form, ZOOM_BOX)

    ends.kiosk.report_view(view)

    assert await heard(ends.staff_heard, View) == view  # the console hears it too
    region = await heard(ends.kiosk_heard, PageReady, a_region)
    target = (view.width_px, view.height_px)
    assert region.region == Region(x=view.x, y=view.y, width=view.width, height=view.height)
    assert (region.doc_id, region.page) == ("form", 0)
    assert region.image.size == target
    fresh = form.render_region(0, ZOOM_BOX, target)
    assert region.image.tobytes() == fresh.tobytes()
    # Enlarging the fit render's pixels of that box is what the kiosk would show without it.
    width, height = fit.image.size
    x, y, box_width, box_height = ZOOM_BOX
    crop = (x * width, y * height, (x + box_width) * width, (y + box_height) * height)
    enlarged = fit.image.resize(target, Image.Resampling.LANCZOS, box=crop)
    difference = np.abs(pixels(region.image) - pixels(enlarged)).mean()
    assert difference > 15.0, f"mean difference {difference:.1f} of 255: barely a new render"
    assert edge_energy(region.image) > 4 * edge_energy(enlarged)  # measured: 22 times


async def test_a_view_at_fit_or_of_another_page_brings_no_region(
    ends: Ends, form: Document
) -> None:
    await show_form(ends, form)
    at_fit = View(doc_id="form", page=0, x=0, y=0, width=1, height=1, width_px=424, height_px=600)
    elsewhere = zoomed_view(form, ZOOM_BOX)
    elsewhere = View(
        **{**{f: getattr(elsewhere, f) for f in elsewhere.__struct_fields__}, "page": 1}
    )
    zoomed = zoomed_view(form, (0.5, 0.5, 0.25, 0.25))

    for view in (at_fit, elsewhere, zoomed):
        ends.kiosk.report_view(view)

    region = await heard(ends.kiosk_heard, PageReady, a_region)
    assert region.region is not None
    assert region.region.box == (0.5, 0.5, 0.25, 0.25)
    sender = ends.staff._pages
    assert sender is not None
    assert sender.stats.regions_sent == 1


async def test_a_focus_from_staff_reaches_the_kiosk(ends: Ends, form: Document) -> None:
    await show_form(ends, form)
    ends.staff.focus("form", 0, Region(x=0.1, y=0.6, width=0.5, height=0.2))
    focus = await heard(ends.kiosk_heard, Focus)
    assert (focus.doc_id, focus.page, focus.box) == ("form", 0, (0.1, 0.6, 0.5, 0.2))


async def test_a_malformed_view_from_the_kiosk_is_logged_and_dropped(
    ends: Ends, form: Document, caplog: pytest.LogCaptureFixture
) -> None:
    await show_form(ends, form)
    channel = ends.kiosk._viewer._channel  # type: ignore[union-attr]
    bad = '{"type":"view","doc_id":"form","page":0,"x":0.9,"y":0,"width":0.5,"height":0.5,'
    channel.send(bad + '"width_px":800,"height_px":600}')
    good = zoomed_view(form, ZOOM_BOX)
    channel.send(encode_message(good))

    assert await heard(ends.staff_heard, View) == good
    assert any(
        record.levelno == logging.WARNING and "extends past the page" in record.getMessage()
        for record in caplog.records
    )


# --- The wire rules for region pages, on PageSender and PageReceiver directly -----------------

HALF = Region(x=0.0, y=0.0, width=0.5, height=0.5)


async def test_a_region_of_a_page_not_on_screen_is_dropped(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "call.page_receiver")
    _, page = noise_page(60, seed=1)
    detail_image, detail = noise_page(80, seed=2)
    await call.staff.send_page("doc", 0, 2, page)
    await next_of(call.content_events, PageReady)

    assert await call.staff.send_region("doc", 1, 2, HALF, detail) is TransferOutcome.SENT
    assert await call.staff.send_region("doc", 0, 2, HALF, detail) is TransferOutcome.SENT

    shown = await next_of(call.content_events, PageReady)
    assert (shown.page, shown.region) == (0, HALF)
    assert_same_pixels(shown.image, detail_image)
    assert "dropped: not on screen" in caplog.text
    assert call.content_events.empty()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_region_page_is_never_kept(keeping: Call) -> None:
    call = keeping
    _, page = noise_page(60, seed=1)
    _, detail = noise_page(80, seed=2)
    await call.staff.send_page("doc", 0, 1, page)
    await next_of(call.content_events, PageReady)
    await call.staff.send_region("doc", 0, 1, HALF, detail)
    assert (await next_of(call.content_events, PageReady)).region == HALF
    assert call.kiosk.kept_pages == 1
    # The page on screen is still shown with a ShowPage: the region took no slot of it.
    await call.staff.send_page("doc", 0, 1, page)
    assert (await next_of(call.content_events, PageReady)).region is None
    assert call.staff.stats.pages_shown_kept == 1


async def test_a_region_waits_until_the_page_in_flight_is_shown(call: Call) -> None:
    big_image, big = noise_page(700, seed=1)  # ~1.5 MB: still crossing when the region is asked
    detail_image, detail = noise_page(80, seed=2)
    sending = asyncio.create_task(call.staff.send_page("doc", 0, 1, big))
    await asyncio.sleep(0)

    assert await call.staff.send_region("doc", 0, 1, HALF, detail) is TransferOutcome.SENT

    assert await sending is TransferOutcome.SENT
    page = await next_of(call.content_events, PageReady)
    assert page.region is None
    assert_same_pixels(page.image, big_image)
    region = await next_of(call.content_events, PageReady)
    assert region.region == HALF
    assert_same_pixels(region.image, detail_image)


async def test_a_newer_region_supersedes_one_still_waiting(call: Call) -> None:
    _, big = noise_page(700, seed=1)
    _, older = noise_page(80, seed=2)
    newer_image, newer = noise_page(80, seed=3)
    sending = asyncio.create_task(call.staff.send_page("doc", 0, 1, big))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(call.staff.send_region("doc", 0, 1, HALF, older))
    await asyncio.sleep(0)

    assert await call.staff.send_region("doc", 0, 1, HALF, newer) is TransferOutcome.SENT

    assert await waiting is TransferOutcome.SUPERSEDED
    await sending
    assert (await next_of(call.content_events, PageReady)).region is None
    region = await next_of(call.content_events, PageReady)
    assert_same_pixels(region.image, newer_image)
    assert call.staff.stats.regions_sent == 1


async def test_a_region_does_not_stop_the_viewer_waiting_for_a_whole_page(call: Call) -> None:
    first_image, first = noise_page(60, seed=1)
    second_image, second = noise_page(200, seed=2)  # one chunk, decoded in a few ms
    _, detail = noise_page(80, seed=3)
    await call.staff.send_page("doc", 0, 2, first)
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, first_image)
    # A sender that breaks the rule: a region of the old page right after a whole new page
    # (its decode still under way at the kiosk).
    for frame in raw_transfer(90, "doc", 1, 2, second):
        call.staff_channel.send(frame)
    for frame in raw_transfer(91, "doc", 0, 2, detail, region=HALF):
        call.staff_channel.send(frame)

    page = await next_of(call.content_events, PageReady)
    assert (page.page, page.region) == (1, None)
    assert_same_pixels(page.image, second_image)
    rejected = await first_of(call.viewer_events, PageRejected)
    assert rejected.transfer == 91
    assert call.content_events.empty()


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"focus","doc_id":"d","page":0,"x":0.8,"y":0,"width":0.5,"height":0.5}',
        '{"type":"focus","doc_id":"d","page":0,"x":0,"y":0,"width":0,"height":0.5}',
        '{"type":"focus","doc_id":"d","page":0,"x":-0.1,"y":0,"width":0.5,"height":0.5}',
        '{"type":"focus","doc_id":"d","page":0,"x":0,"y":0,"width":"wide","height":0.5}',
        '{"type":"page_begin","transfer":1,"doc_id":"d","page":0,"page_count":1,"width":10,'
        '"height":10,"format":"png","size":1,"chunks":1,"sha256":"' + "0" * 64 + '",'
        '"region":{"x":0,"y":0.5,"width":1,"height":0.6}}',
        '{"type":"view","doc_id":"d","page":0,"x":0,"y":0,"width":1,"height":1,'
        '"width_px":0,"height_px":600}',
        '{"type":"viewer","width":800,"height":600,"mm_per_px":5}',
    ],
)
def test_out_of_range_boxes_and_sizes_are_refused_when_decoded(text: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_message(text)


async def test_a_malformed_focus_or_region_from_staff_is_logged_and_dropped(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    _, page = noise_page(60, seed=1)
    await call.staff.send_page("doc", 0, 1, page)
    await next_of(call.content_events, PageReady)
    call.staff_channel.send(
        '{"type":"focus","doc_id":"doc","page":0,"x":0.8,"y":0,"width":0.5,"height":0.5}'
    )
    _, detail = noise_page(80, seed=2)
    for frame in raw_transfer(70, "doc", 0, 1, detail, region=HALF, ahead=True):
        call.staff_channel.send(frame)
    call.staff.send_focus("doc", 0, HALF)

    assert (await next_of(call.content_events, Focus)).box == HALF.box
    rejected = await first_of(call.viewer_events, PageRejected)
    assert (rejected.transfer, rejected.reason) == (70, "a region is never sent ahead")
    assert call.content_events.empty()
    assert "extends past the page" in caplog.text


async def first_of(queue: asyncio.Queue[Q], kind: type[E]) -> E:
    """The next event of `kind`, skipping the others (the answers for earlier pages)."""
    async with asyncio.timeout(WAIT):
        while not isinstance(event := await queue.get(), kind):
            pass
        return event


def raw_transfer(
    transfer: int,
    doc_id: str,
    page: int,
    page_count: int,
    encoded: EncodedPage,
    *,
    region: Region | None = None,
    ahead: bool = False,
) -> list[str | bytes]:
    """A whole transfer as the raw channel messages a sender would queue, in one chunk."""
    begin = PageBegin(
        transfer=transfer, doc_id=doc_id, page=page, page_count=page_count,
        width=encoded.width, height=encoded.height, format=encoded.format,
        size=len(encoded.data), chunks=1, sha256=encoded.sha256, region=region, ahead=ahead,
    )  # fmt: skip
    return [
        encode_message(begin),
        chunk_frame(transfer, 0, encoded.data),
        encode_message(PageEnd(transfer=transfer)),
    ]


async def test_many_regions_leave_the_page_on_screen_answered(call: Call) -> None:
    _, page = noise_page(60, seed=1)
    await call.staff.send_page("doc", 0, 1, page)
    await next_of(call.content_events, PageReady)
    shown = call.staff.last_shown
    assert shown is not None
    for seed in range(20):  # more than the answers the sender remembers
        _, detail = noise_page(20, seed=seed)
        await call.staff.send_region("doc", 0, 1, HALF, detail)
        assert (await next_of(call.content_events, PageReady)).region == HALF

    assert await call.staff.answered(shown, within=0)
    assert call.staff.last_shown == shown
