"""Pages the kiosk keeps and pages sent ahead, between two real aiortc peers over loopback."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from call.content_messages import (
    NOT_HELD,
    DocumentClosed,
    PageRejected,
    PageShown,
    ShowPage,
    Viewer,
    encode_message,
)
from call.document import EncodedPage
from call.page_receiver import PageReady
from call.page_sender import TransferOutcome
from tests.call.conftest import KEEP
from tests.call.test_document_share import (
    WAIT,
    Call,
    assert_same_pixels,
    next_of,
    noise_page,
    open_call,
)
from tests.call.test_engine import eventually


async def test_a_flip_to_a_page_sent_ahead_moves_no_page_bytes(keeping: Call) -> None:
    call = keeping
    first_image, first = noise_page(300, seed=1)
    next_image, following = noise_page(300, seed=2)
    assert await call.staff.send_page("doc", 0, 2, first) is TransferOutcome.SENT
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, first_image)

    call.staff.send_ahead("doc", 2, {1: following})
    await eventually(lambda: call.staff.stats.pages_sent_ahead == 1)
    chunks = call.staff.stats.chunks_sent
    assert await call.staff.send_page("doc", 1, 2, following) is TransferOutcome.SENT

    page = await next_of(call.content_events, PageReady)
    assert (page.page, page.page_count) == (1, 2)
    assert_same_pixels(page.image, next_image)
    assert call.staff.stats.chunks_sent == chunks
    assert call.staff.stats.pages_shown_kept == 1
    shown = [await next_of(call.viewer_events, PageShown) for _ in range(2)]
    assert shown[-1].transfer == page.transfer == call.staff.last_shown


async def page_one_crossing_ahead(call: Call, page_count: int) -> tuple[Image.Image, EncodedPage]:
    """Show page 0 of "doc", then send a large page 1 ahead, still crossing on return."""
    _, first = noise_page(100, seed=1)
    await call.staff.send_page("doc", 0, page_count, first)
    await next_of(call.content_events, PageReady)
    # ~6 MB: the sender queues 1 MiB and pauses, so the page is still crossing at the flip.
    big_image, big = noise_page(1400, seed=2)
    call.staff.send_ahead("doc", page_count, {1: big})
    await eventually(lambda: call.staff.stats.chunks_sent > 1)
    return big_image, big


async def test_a_page_shown_before_it_fully_arrived_ahead_shows_once_it_has(
    keeping: Call,
) -> None:
    call = keeping
    big_image, big = await page_one_crossing_ahead(call, page_count=2)
    assert await call.staff.send_page("doc", 1, 2, big) is TransferOutcome.SENT

    page = await next_of(call.content_events, PageReady)
    assert page.page == 1
    assert_same_pixels(page.image, big_image)
    assert call.staff.stats.pages_shown_kept == 1
    assert call.staff.stats.pages_sent == 2  # the big page crossed once
    assert call.content_events.empty()


async def test_a_flip_elsewhere_supersedes_a_page_ahead_which_later_goes_in_full(
    keeping: Call,
) -> None:
    call = keeping
    big_image, big = await page_one_crossing_ahead(call, page_count=9)
    other_image, other = noise_page(100, seed=3)
    assert await call.staff.send_page("doc", 5, 9, other) is TransferOutcome.SENT
    page = await next_of(call.content_events, PageReady)
    assert page.page == 5
    assert_same_pixels(page.image, other_image)
    assert call.staff.stats.pages_sent_ahead == 0

    assert await call.staff.send_page("doc", 1, 9, big) is TransferOutcome.SENT
    page = await next_of(call.content_events, PageReady)
    assert page.page == 1
    assert_same_pixels(page.image, big_image)
    assert call.staff.stats.pages_shown_kept == 0


async def test_both_ends_forget_the_oldest_page_alike(keeping: Call) -> None:
    call = keeping
    pages = [noise_page(60, seed=seed) for seed in range(KEEP + 1)]
    for index, (_, encoded) in enumerate(pages):
        await call.staff.send_page("doc", index, len(pages), encoded)
        await next_of(call.content_events, PageReady)
    await eventually(lambda: call.kiosk.kept_pages == KEEP)

    # Page 0 was forgotten by both: it goes in full. Page 2 is still kept: a ShowPage.
    chunks = call.staff.stats.chunks_sent
    await call.staff.send_page("doc", 0, len(pages), pages[0][1])
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, pages[0][0])
    assert call.staff.stats.chunks_sent == chunks + 1
    await call.staff.send_page("doc", 2, len(pages), pages[2][1])
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, pages[2][0])
    assert call.staff.stats.chunks_sent == chunks + 1
    assert call.staff.stats.pages_shown_kept == 1
    assert not [e for e in list(call.viewer_events._queue) if isinstance(e, PageRejected)]


async def test_closing_a_document_drops_its_kept_pages_at_both_ends(keeping: Call) -> None:
    call = keeping
    image, encoded = noise_page(60)
    await call.staff.send_page("doc", 0, 1, encoded)
    await next_of(call.content_events, PageReady)
    call.staff.close_document("doc")
    await next_of(call.content_events, DocumentClosed)
    assert call.kiosk.kept_pages == 0

    chunks = call.staff.stats.chunks_sent
    await call.staff.send_page("doc", 0, 1, encoded)
    assert_same_pixels((await next_of(call.content_events, PageReady)).image, image)
    assert call.staff.stats.chunks_sent == chunks + 1


async def test_a_show_for_a_page_not_held_is_rejected(keeping: Call) -> None:
    call = keeping
    call.staff_channel.send(encode_message(ShowPage(transfer=4242)))
    rejected = await next_of(call.viewer_events, PageRejected)
    assert (rejected.transfer, rejected.reason) == (4242, NOT_HELD)
    assert call.content_events.empty()


async def test_a_viewer_that_keeps_nothing_is_sent_nothing_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with open_call(monkeypatch) as call:
        call.kiosk.announce_viewer(800, 600)
        await next_of(call.viewer_events, Viewer)
        _, encoded = noise_page(60)
        call.staff.send_ahead("doc", 2, {1: encoded})
        await asyncio.sleep(0.2)
        assert call.staff.stats.chunks_sent == 0
        await call.staff.send_page("doc", 1, 2, encoded)
        await next_of(call.content_events, PageReady)
        await call.staff.send_page("doc", 1, 2, encoded)
        await next_of(call.content_events, PageReady)
        assert call.staff.stats.pages_shown_kept == 0
        assert call.staff.stats.pages_sent == 2


async def test_the_sender_can_wait_until_the_viewer_has_answered_for_a_page(
    keeping: Call,
) -> None:
    call = keeping
    _, encoded = noise_page(60)
    await call.staff.send_page("doc", 0, 1, encoded)
    assert call.staff.last_shown is not None
    assert await call.staff.answered(call.staff.last_shown, within=WAIT)
    assert not await call.staff.answered(call.staff.last_shown + 1, within=0.05)
