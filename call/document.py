"""Document pages for content sharing: open a PDF or image, render a page, encode it losslessly.

Staff open a file; each page is rendered to fit the kiosk's display (aspect ratio kept, white
behind transparency) and encoded as lossless WebP, or PNG where WebP is unavailable, so the kiosk
shows exactly the pixels rendered here (docs/content-channel.md). A part of a page the citizen
zoomed into is rendered again at the kiosk's scale (`render_region`), from the PDF's vectors or the
image's full resolution, rather than enlarged from the fit render. The console judges how large
the page's text looks on the kiosk from `smallest_text_pt` and `page_size_pt`.

Everything here is synchronous CPU work, tens to hundreds of milliseconds per page. The engine
calls it through ``asyncio.to_thread`` so its network loop never stalls, and renders the pages
next to the one shown ahead of time (call.page_cache), so two threads may want one `Document`:
each serializes its own renders and its close. PDFium itself is serialized process-wide by a lock
in this module.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]
from PIL import Image, ImageOps, UnidentifiedImageError, features

from call.page_text import char_sizes, smallest_real_size

# Twice 4K: far beyond any kiosk display, and it bounds memory for a hostile size.
MAX_RENDER_SIDE: Final = 8192
MAX_PAGE_PIXELS: Final = MAX_RENDER_SIDE * MAX_RENDER_SIDE
# Lossless WebP effort as (method, quality), measured in docs/content-channel.md §Measured; for
# lossless, `quality` is the effort knob that matters. Rendered text and line art have few
# distinct colours (anti-aliasing makes hundreds) and shrink by 40% with more effort. Scans and
# photos have many, barely shrink, and would take five times as long, so they get the fast one.
FEW_COLORS: Final = 4096
WEBP_EFFORT_TEXT: Final = (1, 75)
WEBP_EFFORT_PHOTO: Final = (0, 50)
# On rendered pages zlib's fast levels are both quicker and smaller than the default 6.
PNG_COMPRESS_LEVEL: Final = 3
IMAGE_FORMATS: Final = ("PNG", "JPEG", "WEBP", "TIFF")
# PDFium takes the whole page's size in pixels as C ints; a region this small of a page cannot be
# rendered at any useful size anyway.
MAX_REGION_PAGE_SIDE: Final = 1 << 24
POINTS_PER_INCH: Final = 72.0
ASSUMED_DPI: Final = 96.0  # for an image that does not say its resolution

# PDFium is not thread-safe, not even across documents (pypdfium2's documentation), and the
# engine renders in worker threads, so every PDFium call goes through this one lock.
_PDFIUM_LOCK: Final = threading.Lock()
_WHITE: Final = (255, 255, 255)


class DocumentError(Exception):
    """A file that cannot be shown: missing, corrupt, encrypted, unsupported, or no such page."""


class PageFormat(StrEnum):
    """Lossless encodings a page travels in, best first."""

    WEBP = "webp"
    PNG = "png"


@dataclass(frozen=True, slots=True)
class EncodedPage:
    """A rendered page as the exact bytes that go on the wire."""

    format: PageFormat
    width: int
    height: int
    data: bytes
    sha256: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Sent in page_begin and keying the pages a viewer keeps: hashed once, where the page
        # is encoded (a worker thread), not on every flip.
        object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())


def fit_size(source: tuple[float, float], target: tuple[int, int]) -> tuple[int, int]:
    """The largest size with the source's aspect ratio that fits inside `target`."""
    width, height = source
    if width <= 0 or height <= 0:
        raise DocumentError(f"page has no area ({width}x{height})")
    scale = min(target[0] / width, target[1] / height)
    return (
        max(1, min(target[0], round(width * scale))),
        max(1, min(target[1], round(height * scale))),
    )


class Document(ABC):
    """An open PDF or image whose pages render to RGB images; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A page rendered ahead in the background may still be rendering when staff close the
        # document, and Pillow's seek and PDFium's pages must not be used on a closed file.
        self._lock = threading.Lock()
        self._closed = False

    @property
    @abstractmethod
    def page_count(self) -> int: ...

    def render_page(self, index: int, target: tuple[int, int]) -> Image.Image:
        """Render page `index` (from 0) to fit `target` (width, height), as an RGB image."""
        self._check_page(index)
        _check_target(target)
        with self._lock:
            self._check_open()
            return self._render(index, target)

    def render_region(
        self, index: int, box: tuple[float, float, float, float], target: tuple[int, int]
    ) -> Image.Image:
        """Render `box` (x, y, width, height in fractions of the page) of page `index` to
        exactly `target` pixels, from the document itself: a PDF's vectors, an image's full
        resolution. The page's aspect is kept as far as `box` and `target` agree."""
        self._check_page(index)
        _check_target(target)
        x, y, width, height = box
        if not (0 <= x and 0 <= y and 0 < width and 0 < height):
            raise ValueError(f"box {box} is not a part of the page")
        if x + width > 1 + 1e-6 or y + height > 1 + 1e-6:
            raise ValueError(f"box {box} extends past the page")
        if max(target[0] / width, target[1] / height) > MAX_REGION_PAGE_SIDE:
            raise ValueError(f"box {box} is too small to render at {target}")
        with self._lock:
            self._check_open()
            return self._render_region(index, box, target)

    def smallest_text_pt(self, index: int) -> float | None:
        """The font size in points of the smallest text that is a real part of page `index`
        (a handful of stray glyphs do not count), or None for a page without a text layer."""
        self._check_page(index)
        with self._lock:
            self._check_open()
            return smallest_real_size(self._text_sizes(index))

    def page_size_pt(self, index: int) -> tuple[float, float]:
        """Page `index`'s width and height in points (1/72 inch), as it is shown."""
        self._check_page(index)
        with self._lock:
            self._check_open()
            return self._page_size_pt(index)

    def close(self) -> None:
        """Release the file; waits for a render in progress, and later renders fail."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close()

    def _check_page(self, index: int) -> None:
        if not 0 <= index < self.page_count:
            raise DocumentError(f"{self.path.name} has no page {index + 1} of {self.page_count}")

    def _check_open(self) -> None:
        if self._closed:
            raise DocumentError(f"{self.path.name} is closed")

    @abstractmethod
    def _render(self, index: int, target: tuple[int, int]) -> Image.Image: ...

    @abstractmethod
    def _render_region(
        self, index: int, box: tuple[float, float, float, float], target: tuple[int, int]
    ) -> Image.Image: ...

    @abstractmethod
    def _text_sizes(self, index: int) -> list[float]: ...

    @abstractmethod
    def _page_size_pt(self, index: int) -> tuple[float, float]: ...

    @abstractmethod
    def _close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_document(path: str | os.PathLike[str]) -> Document:
    """Open a PDF or a PNG/JPEG/WebP/TIFF image, judged by its content rather than its name."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(1024)
    except OSError as error:
        raise DocumentError(f"cannot read {path.name}: {error.strerror or error}") from error
    # PDF readers accept the header anywhere in the first KiB (ISO 32000-1 §7.5.2 note).
    if b"%PDF-" in head:
        return _PdfDocument(path)
    return _ImageDocument(path)


class _PdfDocument(Document):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with _PDFIUM_LOCK:
            try:
                self._pdf = pdfium.PdfDocument(path)
            except pdfium.PdfiumError as error:
                raise DocumentError(_pdf_open_error(path, error)) from error
            # Filled-in fields of the city's fillable forms only render with a form env.
            self._pdf.init_forms()
            self._page_count: int = len(self._pdf)

    @property
    def page_count(self) -> int:
        return self._page_count

    def _render(self, index: int, target: tuple[int, int]) -> Image.Image:
        with _PDFIUM_LOCK:
            try:
                page = self._pdf[index]
            except pdfium.PdfiumError as error:
                raise DocumentError(f"{self.path.name}: page {index + 1}: {error}") from error
            try:
                page_size = page.get_size()
                size = fit_size(page_size, target)
                scale = min(size[0] / page_size[0], size[1] / page_size[1])
                bitmap = page.render(scale=scale, fill_color=(*_WHITE, 255))
                image: Image.Image = bitmap.to_pil().convert("RGB")
            finally:
                page.close()
        # pypdfium2 rounds the bitmap up, so trim the sub-pixel sliver that overshoots.
        return image if image.size == size else image.crop((0, 0, *size))

    def _render_region(
        self, index: int, box: tuple[float, float, float, float], target: tuple[int, int]
    ) -> Image.Image:
        x, y, width, height = box
        # The whole page at the scale where the box is `target`, shifted so the box lands on the
        # bitmap: PDFium only rasterizes what falls inside it.
        page_px = (round(target[0] / width), round(target[1] / height))
        origin = (-round(x * page_px[0]), -round(y * page_px[1]))
        with _PDFIUM_LOCK:
            page = self._open_page(index)
            try:
                bitmap = pdfium.PdfBitmap.new_native(*target, format=pdfium_raw.FPDFBitmap_BGR)
                bitmap.fill_rect((*_WHITE, 255), 0, 0, *target)
                args = (bitmap, page, *origin, *page_px, 0, pdfium_raw.FPDF_ANNOT)
                pdfium_raw.FPDF_RenderPageBitmap(*args)
                if page.formenv:  # filled-in form fields, as `PdfPage.render` draws them
                    pdfium_raw.FPDF_FFLDraw(page.formenv, *args)
                image: Image.Image = bitmap.to_pil().convert("RGB")
            finally:
                page.close()
        return image

    def _text_sizes(self, index: int) -> list[float]:
        with _PDFIUM_LOCK:
            page = self._open_page(index)
            try:
                text = page.get_textpage()
                try:
                    return list(char_sizes(text))
                finally:
                    text.close()
            finally:
                page.close()

    def _page_size_pt(self, index: int) -> tuple[float, float]:
        with _PDFIUM_LOCK:
            page = self._open_page(index)
            try:
                width, height = page.get_size()
            finally:
                page.close()
        return (float(width), float(height))

    def _open_page(self, index: int) -> pdfium.PdfPage:
        try:
            return self._pdf[index]
        except pdfium.PdfiumError as error:
            raise DocumentError(f"{self.path.name}: page {index + 1}: {error}") from error

    def _close(self) -> None:
        with _PDFIUM_LOCK:
            self._pdf.close()


def _pdf_open_error(path: Path, error: pdfium.PdfiumError) -> str:
    code = getattr(error, "err_code", None)
    if code == pdfium_raw.FPDF_ERR_PASSWORD:
        return f"{path.name} is encrypted with a password; save an unprotected copy to show it"
    if code == pdfium_raw.FPDF_ERR_SECURITY:
        return f"{path.name} uses an unsupported security handler"
    return f"{path.name} is not a readable PDF ({error})"


class _ImageDocument(Document):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._image: Image.Image = Image.open(path, formats=IMAGE_FORMATS)
        except UnidentifiedImageError as error:
            raise DocumentError(
                f"{path.name} is not a supported document (PDF, PNG, JPEG, WebP or TIFF)"
            ) from error
        except (OSError, Image.DecompressionBombError) as error:
            raise DocumentError(f"cannot open {path.name}: {error}") from error
        # Multi-page TIFF scans are one page per frame; other formats may animate, which a
        # document does not, so only their first frame counts.
        frames = getattr(self._image, "n_frames", 1) if self._image.format == "TIFF" else 1
        self._page_count = int(frames)

    @property
    def page_count(self) -> int:
        return self._page_count

    def _render(self, index: int, target: tuple[int, int]) -> Image.Image:
        flat = self._frame(index)
        size = fit_size(flat.size, target)
        return flat if flat.size == size else flat.resize(size, Image.Resampling.LANCZOS)

    def _render_region(
        self, index: int, box: tuple[float, float, float, float], target: tuple[int, int]
    ) -> Image.Image:
        flat = self._frame(index)
        x, y, width, height = box
        # Resampled straight from the full-resolution pixels of the box (sub-pixel exact).
        source = (
            x * flat.width,
            y * flat.height,
            (x + width) * flat.width,
            (y + height) * flat.height,
        )
        return flat.resize(target, Image.Resampling.LANCZOS, box=source)

    def _text_sizes(self, index: int) -> list[float]:
        return []  # a scan or a photo has pixels, no text layer

    def _page_size_pt(self, index: int) -> tuple[float, float]:
        flat = self._frame(index)
        x_dpi, y_dpi = _dpi(self._image.info.get("dpi"))
        return (flat.width * POINTS_PER_INCH / x_dpi, flat.height * POINTS_PER_INCH / y_dpi)

    def _frame(self, index: int) -> Image.Image:
        try:
            self._image.seek(index)
            # Phone photos of paper carry their rotation in EXIF rather than in the pixels.
            return _flatten(ImageOps.exif_transpose(self._image))
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise DocumentError(f"{self.path.name}: page {index + 1}: {error}") from error

    def _close(self) -> None:
        self._image.close()


class _StillDocument(_ImageDocument):
    """A picture held only in memory: nothing of it is ever written to disk."""

    def __init__(self, image: Image.Image, name: str) -> None:
        Document.__init__(self, Path(name))
        self._image = image
        self._page_count = 1


def still_document(image: Image.Image, name: str) -> Document:
    """A one-page document of `image` (the citizen's paper, as the kiosk sent it), shown, marked
    and zoomed from its full resolution like an image file; `name` is for messages only."""
    return _StillDocument(image, name)


def _dpi(stated: object) -> tuple[float, float]:
    # Some writers store 0 or 1 dpi; a real scan or photo says 72 to a few thousand.
    if isinstance(stated, tuple) and len(stated) == 2:
        x, y = stated
        if all(isinstance(v, int | float) and 36 <= v <= 9600 for v in (x, y)):
            return (float(x), float(y))
    return (ASSUMED_DPI, ASSUMED_DPI)


def _check_target(target: tuple[int, int]) -> None:
    if not all(1 <= side <= MAX_RENDER_SIDE for side in target):
        raise ValueError(f"render target {target} outside 1..{MAX_RENDER_SIDE}")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB with any transparency composited onto white, as paper would show it."""
    if image.mode == "RGB":
        return image  # exif_transpose already made a copy
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def webp_available() -> bool:
    """Whether this Pillow can write WebP; without it pages go as PNG."""
    return bool(features.check("webp"))


def encode_page(
    image: Image.Image, accept: Collection[PageFormat] = (PageFormat.WEBP, PageFormat.PNG)
) -> EncodedPage:
    """Encode an RGB page losslessly in the best format both this side and `accept` allow."""
    if image.mode != "RGB":
        raise ValueError(f"pages are RGB, not {image.mode}")
    buffer = io.BytesIO()
    if PageFormat.WEBP in accept and webp_available():
        page_format = PageFormat.WEBP
        few_colors = image.getcolors(maxcolors=FEW_COLORS) is not None
        method, quality = WEBP_EFFORT_TEXT if few_colors else WEBP_EFFORT_PHOTO
        image.save(buffer, "WEBP", lossless=True, method=method, quality=quality)
    elif PageFormat.PNG in accept:
        page_format = PageFormat.PNG
        image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    else:
        raise DocumentError(f"no lossless format in common (peer accepts {sorted(accept)})")
    return EncodedPage(page_format, image.width, image.height, buffer.getvalue())


def decode_page(
    data: bytes, page_format: PageFormat, *, max_pixels: int = MAX_PAGE_PIXELS
) -> Image.Image:
    """Decode a page sent by the peer, refusing anything but the named format and size bound."""
    try:
        with Image.open(io.BytesIO(data), formats=(page_format.value.upper(),)) as image:
            # Checked from the header before decoding, so a hostile size costs no memory.
            if image.width * image.height > max_pixels:
                raise DocumentError(f"page of {image.width}x{image.height} is too large")
            image.load()
            return image if image.mode == "RGB" else image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise DocumentError(f"cannot decode {page_format} page: {error}") from error
