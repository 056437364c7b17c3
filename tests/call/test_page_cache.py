"""PageCache: pages rendered once, bounded, dropped when their document closes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from call.document import Document, DocumentError, EncodedPage, PageFormat, open_document
from call.page_cache import PageCache, render_encoded

SIZE = (64, 48)


class CountingRender:
    """The real render and encode, counting which pages it was asked for."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(
        self,
        document: Document,
        index: int,
        size: tuple[int, int],
        formats: tuple[PageFormat, ...] | None,
    ) -> EncodedPage:
        self.calls.append(index)
        return render_encoded(document, index, size, formats)


@pytest.fixture
def document(tmp_path: Path) -> Iterator[Document]:
    path = tmp_path / "pages.tiff"
    pages = [Image.new("RGB", (32, 24), (40 * page, 0, 0)) for page in range(6)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    with open_document(path) as document:
        yield document


async def test_a_page_rendered_before_or_rendering_now_is_not_rendered_again(
    document: Document,
) -> None:
    render = CountingRender()
    cache = PageCache(render)
    first, second = await asyncio.gather(
        cache.page("doc", document, 3, SIZE), cache.page("doc", document, 3, SIZE)
    )
    assert await cache.page("doc", document, 3, SIZE) is first is second
    assert render.calls == [3]
    assert first == render_encoded(document, 3, SIZE, None)
    await cache.close()


async def test_a_page_given_up_by_its_caller_is_still_kept_for_the_next(
    document: Document,
) -> None:
    render = CountingRender()
    cache = PageCache(render)
    waiting = asyncio.ensure_future(cache.page("doc", document, 1, SIZE))
    await asyncio.sleep(0)
    waiting.cancel()
    await cache.settled()
    assert len(cache) == 1
    await cache.page("doc", document, 1, SIZE)
    assert render.calls == [1]
    await cache.close()


async def test_a_page_for_another_display_size_is_rendered_again(document: Document) -> None:
    render = CountingRender()
    cache = PageCache(render)
    await cache.page("doc", document, 0, SIZE)
    await cache.page("doc", document, 0, (128, 96))
    assert render.calls.count(0) == 2
    await cache.close()


async def test_the_cache_keeps_at_most_its_capacity(document: Document) -> None:
    cache = PageCache(capacity=2)
    for index in range(6):
        await cache.page("doc", document, index, SIZE)
        assert len(cache) <= 2
    await cache.close()


async def test_closing_a_document_drops_its_pages_and_those_still_rendering(
    document: Document,
) -> None:
    render = CountingRender()
    cache = PageCache(render)
    await cache.page("doc", document, 2, SIZE)
    rendering = asyncio.ensure_future(cache.page("doc", document, 3, SIZE))
    await asyncio.sleep(0)
    cache.forget("doc")
    await rendering  # whoever waits still gets the page
    await cache.settled()
    assert len(cache) == 0
    await cache.page("doc", document, 2, SIZE)
    assert render.calls.count(2) == 2
    await cache.close()


async def test_a_page_of_a_closed_document_is_a_document_error(document: Document) -> None:
    cache = PageCache()
    document.close()
    with pytest.raises(DocumentError, match="closed"):
        await cache.page("doc", document, 0, SIZE)
    await cache.settled()
    assert len(cache) == 0
    await cache.close()
