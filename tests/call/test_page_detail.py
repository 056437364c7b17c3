"""Which region renders a view asks for, and how `PageDetail` coalesces them (no network)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from call.content_messages import Region, View
from call.document import Document, EncodedPage, PageFormat, open_document
from call.page_detail import DetailRequest, PageDetail, ShownPage, detail_wanted
from call.page_sender import TransferOutcome
from tests.call.fixtures.text_pdf import dense_text_lines, text_pdf

UNIT = 0.05
WAIT = 100 * UNIT


@pytest.fixture
def document(tmp_path: Path) -> Iterator[Document]:
    path = text_pdf(tmp_path / "form.pdf", dense_text_lines(8.0, 20))
    with open_document(path) as opened:
        yield opened


def shown(document: Document, index: int = 0, size: tuple[int, int] = (800, 600)) -> ShownPage:
    return ShownPage("form", index, 2, document, size)


def view(box: tuple[float, float, float, float], size_px: tuple[int, int], page: int = 0) -> View:
    x, y, width, height = box
    return View(
        doc_id="form", page=page, x=x, y=y, width=width, height=height,
        width_px=size_px[0], height_px=size_px[1],
    )  # fmt: skip


def test_a_zoomed_view_of_the_page_shown_asks_for_that_region_at_its_pixels(
    document: Document,
) -> None:
    request = detail_wanted(shown(document), view((0.1, 0.2, 0.4, 0.25), (800, 600)))
    assert request is not None
    assert request.region == Region(x=0.1, y=0.2, width=0.4, height=0.25)
    assert request.target == (800, 600)


@pytest.mark.parametrize(
    ("box", "size_px", "page", "why"),
    [
        ((0.0, 0.0, 1.0, 1.0), (424, 600), 0, "the whole page: at fit"),
        ((0.1, 0.2, 0.4, 0.25), (800, 600), 1, "another page than the one shown"),
        ((0.0, 0.0, 0.5, 0.5), (400, 300), 0, "drawn no larger than the fit render has pixels"),
    ],
)
def test_a_view_asks_for_no_region_when_the_fit_render_is_as_sharp(
    document: Document,
    box: tuple[float, float, float, float],
    size_px: tuple[int, int],
    page: int,
    why: str,
) -> None:
    assert detail_wanted(shown(document), view(box, size_px, page)) is None, why


def test_a_view_asks_for_nothing_when_no_page_is_shown() -> None:
    assert detail_wanted(None, view((0.1, 0.1, 0.2, 0.2), (800, 600))) is None


class Recorder:
    """A render that waits for the test's go-ahead, and a send that records what went."""

    def __init__(self) -> None:
        self.rendered: list[tuple[float, float, float, float]] = []
        self.sent: list[DetailRequest] = []
        self.release = threading.Event()
        self.sent_one = asyncio.Event()

    def render(self, request: DetailRequest, formats: Sequence[PageFormat] | None) -> EncodedPage:
        self.rendered.append(request.region.box)
        assert self.release.wait(WAIT)
        return EncodedPage(PageFormat.PNG, *request.target, b"png")

    async def send(self, request: DetailRequest, encoded: EncodedPage) -> TransferOutcome:
        self.sent.append(request)
        self.sent_one.set()
        return TransferOutcome.SENT


async def test_a_burst_of_views_renders_the_first_and_the_last_and_sends_the_last(
    document: Document,
) -> None:
    recorder = Recorder()
    detail = PageDetail("s", recorder.send, recorder.render)
    detail.page_shown(shown(document))
    boxes = [(0.1 * step, 0.1, 0.3, 0.2) for step in range(1, 5)]
    for box in boxes:
        detail.viewed(view(box, (900, 600)), None)
        await asyncio.sleep(0)
    recorder.release.set()
    await asyncio.wait_for(recorder.sent_one.wait(), WAIT)
    await detail.close()

    assert recorder.rendered == [boxes[0], boxes[-1]]
    assert [request.region.box for request in recorder.sent] == [boxes[-1]]


async def test_a_region_rendering_when_the_page_changes_is_never_sent(
    document: Document,
) -> None:
    recorder = Recorder()
    detail = PageDetail("s", recorder.send, recorder.render)
    detail.page_shown(shown(document, 0))
    detail.viewed(view((0.1, 0.1, 0.3, 0.2), (900, 600)), None)
    await asyncio.sleep(0)
    detail.page_shown(shown(document, 1))  # staff flipped while it rendered
    recorder.release.set()
    detail.viewed(view((0.2, 0.2, 0.3, 0.2), (900, 600), page=1), None)
    await asyncio.wait_for(recorder.sent_one.wait(), WAIT)
    await detail.close()

    assert [(r.shown.index, r.region.box) for r in recorder.sent] == [(1, (0.2, 0.2, 0.3, 0.2))]


async def test_the_same_page_rendered_again_keeps_the_region_wanted(document: Document) -> None:
    recorder = Recorder()
    recorder.release.set()
    detail = PageDetail("s", recorder.send, recorder.render)
    detail.page_shown(shown(document, 0, (800, 600)))
    detail.viewed(view((0.1, 0.1, 0.3, 0.2), (900, 600)), None)
    detail.page_shown(shown(document, 0, (1000, 700)))  # a new viewer size, the same page
    await asyncio.wait_for(recorder.sent_one.wait(), WAIT)
    await detail.close()
    assert len(recorder.sent) == 1
