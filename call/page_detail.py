"""Sharp zoom: the part of the page the citizen zoomed into, rendered again at the kiosk's scale.

The kiosk draws each page 1:1 at fit. When the citizen (or staff, with `focus`) zooms in, the
kiosk would enlarge those pixels and the text would blur. So once the zoom settles, the kiosk
says what it shows (`View`: a box of the page and the pixels it is drawn at), and staff render
exactly that box at exactly that size from the document itself (`Document.render_region`) and
send it as a region page (docs/content-channel.md, "Sharp zoom").

`detail_wanted` is the decision, pure. `PageDetail` runs it: latest wins, so a burst of views
renders once, for the last; a render for a page no longer on screen is dropped; and the sender
holds a region back until the page on screen is answered (`PageSender.send_region`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

from call.content_messages import Region, View
from call.document import Document, DocumentError, EncodedPage, PageFormat, encode_page
from call.page_sender import TransferOutcome

logger = logging.getLogger(__name__)

# The fit render is enlarged by less than this: drawn as it is, it is as sharp as a new render.
SHARPER_FROM: Final = 1.1


@dataclass(frozen=True, slots=True, eq=False)
class ShownPage:
    """The page staff last asked the kiosk to show, and the size it was rendered to fit."""

    doc_id: str
    index: int
    page_count: int
    document: Document
    size: tuple[int, int]  # the kiosk's viewer size it was rendered for

    def same_page(self, other: ShownPage | None) -> bool:
        return (
            other is not None
            and other.document is self.document
            and (other.doc_id, other.index) == (self.doc_id, self.index)
        )


@dataclass(frozen=True, slots=True)
class DetailRequest:
    """Render `region` of the page shown at `target` pixels, and send it as a region page."""

    shown: ShownPage
    region: Region
    target: tuple[int, int]


def detail_wanted(shown: ShownPage | None, view: View) -> DetailRequest | None:
    """The region render a view asks for: None unless it is of the page shown, zoomed in, and
    drawn larger than the fit render has pixels for."""
    if shown is None or (view.doc_id, view.page) != (shown.doc_id, shown.index):
        return None
    if not view.zoomed:
        return None
    # The fit render has at most the viewer's size; the box's share of it is what the kiosk
    # would enlarge.
    fit_px = (view.width * shown.size[0], view.height * shown.size[1])
    if view.width_px < fit_px[0] * SHARPER_FROM and view.height_px < fit_px[1] * SHARPER_FROM:
        return None
    region = Region(x=view.x, y=view.y, width=view.width, height=view.height)
    return DetailRequest(shown, region, (view.width_px, view.height_px))


def render_detail(request: DetailRequest, formats: Sequence[PageFormat] | None) -> EncodedPage:
    """Render and encode a region; synchronous CPU work, for a worker thread."""
    shown = request.shown
    image = shown.document.render_region(shown.index, request.region.box, request.target)
    return encode_page(image) if formats is None else encode_page(image, formats)


SendRegion = Callable[[DetailRequest, EncodedPage], Awaitable[TransferOutcome]]
RenderDetail = Callable[[DetailRequest, Sequence[PageFormat] | None], EncodedPage]


class PageDetail:
    """Region renders for the views the kiosk reports, one at a time, the latest wins (staff)."""

    def __init__(
        self, session_id: str, send: SendRegion, render: RenderDetail = render_detail
    ) -> None:
        self._session_id = session_id
        self._send = send
        self._render = render
        self._shown: ShownPage | None = None
        self._wanted: tuple[DetailRequest, Sequence[PageFormat] | None] | None = None
        self._task: asyncio.Task[None] | None = None

    def page_shown(self, shown: ShownPage | None) -> None:
        """Staff show another page (or none): a region of the last one is stale."""
        if shown is None or not shown.same_page(self._shown):
            self._wanted = None
            self._cancel()
        self._shown = shown

    def viewed(self, view: View, formats: Sequence[PageFormat] | None) -> None:
        """The kiosk's view settled: render the region it shows, superseding an older one."""
        request = detail_wanted(self._shown, view)
        if request is None:
            self._wanted = None  # back at fit, or another page: an older region is not wanted
            return
        self._wanted = (request, formats)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        self._wanted = None
        self._shown = None
        task = self._cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while self._wanted is not None:
            (request, formats), self._wanted = self._wanted, None
            try:
                encoded = await asyncio.to_thread(self._render, request, formats)
            except (DocumentError, ValueError) as error:
                logger.info("%s = region not rendered: %s", self._session_id, error)
                continue
            if self._wanted is not None or not request.shown.same_page(self._shown):
                continue  # a newer view came, or the page changed, while it rendered
            outcome = await self._send(request, encoded)
            logger.debug(
                "%s > region %s of page %d at %dx%d: %s",
                self._session_id,
                request.region.box,
                request.shown.index,
                *request.target,
                outcome,
            )

    def _cancel(self) -> asyncio.Task[None] | None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()  # a render under way finishes in its thread; its result is dropped
        return task
