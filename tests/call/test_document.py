"""Opening, rendering and losslessly encoding document pages, and every way a file can fail."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from call.document import (
    MAX_RENDER_SIDE,
    DocumentError,
    PageFormat,
    decode_page,
    encode_page,
    fit_size,
    open_document,
)
from tests.call.fixtures.japanese_form import font_available, japanese_form
from tests.call.fixtures.text_pdf import pdf_bytes

needs_cjk_font = pytest.mark.skipif(not font_available(), reason="needs Debian's fonts-noto-cjk")


PAGE_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",  # A4 portrait, blank
]


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


@pytest.fixture(scope="module")
def form() -> Image.Image:
    if not font_available():
        pytest.skip("needs Debian's fonts-noto-cjk")
    return japanese_form()


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ((1920, 1080), (1920, 1080), (1920, 1080)),
        ((595, 842), (1920, 1080), (763, 1080)),  # A4 portrait on a landscape display
        ((842, 595), (1920, 1080), (1528, 1080)),
        ((4000, 1000), (1920, 1080), (1920, 480)),
        ((100, 50), (1920, 1080), (1920, 960)),  # small sources are scaled up to fit too
        ((10000, 1), (100, 100), (100, 1)),  # never collapses to zero pixels
    ],
)
def test_fit_size_keeps_the_aspect_ratio_inside_the_target(
    source: tuple[int, int], target: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert fit_size(source, target) == expected


def test_an_image_renders_to_fit_the_display_with_its_aspect_ratio(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (400, 200), (10, 20, 30)).save(path)
    with open_document(path) as document:
        assert document.page_count == 1
        page = document.render_page(0, (1920, 1080))
    assert page.mode == "RGB"
    assert page.size == (1920, 960)
    assert page.getpixel((960, 480)) == (10, 20, 30)


def test_a_closed_document_refuses_to_render_and_closes_once(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    Image.new("RGB", (40, 20), (10, 20, 30)).save(path)
    document = open_document(path)
    document.close()
    document.close()
    with pytest.raises(DocumentError, match="closed"):
        document.render_page(0, (40, 20))


def test_an_image_of_exactly_the_display_size_keeps_its_exact_pixels(
    tmp_path: Path, form: Image.Image
) -> None:
    path = tmp_path / "form.png"
    form.save(path)
    with open_document(path) as document:
        page = document.render_page(0, form.size)
    assert np.array_equal(pixels(page), pixels(form))


def test_transparency_is_flattened_onto_white(tmp_path: Path) -> None:
    path = tmp_path / "stamp.png"
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (0, 0, 10, 10))
    image.save(path)
    with open_document(path) as document:
        page = document.render_page(0, (20, 10))
    assert page.getpixel((15, 5)) == (255, 255, 255)
    assert page.getpixel((5, 5)) == (200, 30, 30)


def test_a_photo_rotated_by_exif_renders_upright(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    Image.new("RGB", (300, 100), "white").save(path, exif=exif)
    with open_document(path) as document:
        assert document.render_page(0, (1000, 1000)).size == (333, 1000)


def test_a_multi_page_tiff_has_one_page_per_frame(tmp_path: Path) -> None:
    path = tmp_path / "scan.tiff"
    frames = [Image.new("L", (50, 70), shade) for shade in (0, 128, 255)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with open_document(path) as document:
        assert document.page_count == 3
        assert document.render_page(1, (50, 70)).getpixel((0, 0)) == (128, 128, 128)


def test_a_pdf_page_renders_on_white_to_fit_the_display(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf_bytes(PAGE_OBJECTS))
    with open_document(path) as document:
        assert document.page_count == 1
        page = document.render_page(0, (1920, 1080))
    assert page.mode == "RGB"
    assert page.size == (763, 1080)
    assert pixels(page).min() == 255


@needs_cjk_font
def test_each_page_of_a_pdf_renders_its_own_content(tmp_path: Path) -> None:
    path = tmp_path / "forms.pdf"
    pages = [japanese_form(960, 540, seed=seed) for seed in range(3)]
    pages[0].save(path, "PDF", resolution=96, save_all=True, append_images=pages[1:])
    with open_document(path) as document:
        assert document.page_count == 3
        rendered = [document.render_page(index, (960, 540)) for index in range(3)]
    assert all(page.size == (960, 540) for page in rendered)
    assert not np.array_equal(pixels(rendered[0]), pixels(rendered[1]))
    # A raster PDF rendered at its own resolution stays close to the original image.
    difference = np.abs(pixels(rendered[2]).astype(int) - pixels(pages[2]).astype(int))
    assert difference.mean() < 8


def test_a_document_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "scan.dat"
    Image.new("RGB", (10, 10)).save(path, "PNG")
    with open_document(path) as document:
        assert document.page_count == 1


def test_a_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        open_document(tmp_path / "nothing.pdf")


def test_a_directory_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        open_document(tmp_path)


def test_a_corrupt_pdf_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(DocumentError, match="not a readable PDF"):
        open_document(path)


def test_an_encrypted_pdf_is_a_document_error_that_says_so(tmp_path: Path) -> None:
    # Standard security handler with O and U entries no empty password matches.
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <%s> /U <%s> >>" % (b"11" * 32, b"22" * 32)
    file_id = b"<%s>" % (b"33" * 16)
    path = tmp_path / "secret.pdf"
    path.write_bytes(
        pdf_bytes([*PAGE_OBJECTS, encrypt], b"/Encrypt 4 0 R /ID [%s %s] " % (file_id, file_id))
    )
    with pytest.raises(DocumentError, match="encrypted"):
        open_document(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", "住民票の写し".encode()),
        ("empty.pdf", b""),
        ("animation.gif", b"GIF89a" + bytes(32)),
    ],
)
def test_an_unsupported_file_type_is_a_document_error(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match="not a supported document"):
        open_document(path)


def test_a_truncated_image_is_a_document_error_when_rendered(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 50).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue()[:2000])
    with open_document(path) as document, pytest.raises(DocumentError, match="page 1"):
        document.render_page(0, (200, 200))


@pytest.mark.parametrize("index", [-1, 1, 7])
def test_a_page_out_of_range_is_a_document_error(tmp_path: Path, index: int) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf_bytes(PAGE_OBJECTS))
    with open_document(path) as document, pytest.raises(DocumentError, match="has no page"):
        document.render_page(index, (100, 100))


@pytest.mark.parametrize("target", [(0, 100), (100, MAX_RENDER_SIDE + 1)])
def test_a_render_target_out_of_bounds_is_a_programming_error(
    tmp_path: Path, target: tuple[int, int]
) -> None:
    path = tmp_path / "one.png"
    Image.new("RGB", (10, 10)).save(path)
    with open_document(path) as document, pytest.raises(ValueError, match="render target"):
        document.render_page(0, target)


def test_a_dense_japanese_page_survives_lossless_webp_exactly(form: Image.Image) -> None:
    encoded = encode_page(form)
    assert encoded.format is PageFormat.WEBP
    assert (encoded.width, encoded.height) == form.size
    assert encoded.data[8:16] == b"WEBPVP8L"  # the lossless bitstream, never lossy VP8
    assert np.array_equal(pixels(decode_page(encoded.data, PageFormat.WEBP)), pixels(form))


def test_png_is_used_when_the_viewer_does_not_take_webp(form: Image.Image) -> None:
    encoded = encode_page(form, accept=[PageFormat.PNG])
    assert encoded.format is PageFormat.PNG
    assert np.array_equal(pixels(decode_page(encoded.data, PageFormat.PNG)), pixels(form))


def test_encoding_without_a_format_in_common_is_a_document_error() -> None:
    with pytest.raises(DocumentError, match="no lossless format"):
        encode_page(Image.new("RGB", (4, 4)), accept=[])


def test_encoding_refuses_anything_but_rgb() -> None:
    with pytest.raises(ValueError, match="RGB"):
        encode_page(Image.new("RGBA", (4, 4)))


def test_decoding_refuses_bytes_of_another_format_than_announced() -> None:
    encoded = encode_page(Image.new("RGB", (4, 4)), accept=[PageFormat.PNG])
    with pytest.raises(DocumentError, match="cannot decode webp"):
        decode_page(encoded.data, PageFormat.WEBP)


def test_decoding_refuses_garbage() -> None:
    with pytest.raises(DocumentError, match="cannot decode png"):
        decode_page(b"\x89PNG\r\n\x1a\n" + bytes(100), PageFormat.PNG)


def test_decoding_refuses_a_page_beyond_the_pixel_bound_before_decoding() -> None:
    encoded = encode_page(Image.new("RGB", (300, 200)))
    with pytest.raises(DocumentError, match="too large"):
        decode_page(encoded.data, encoded.format, max_pixels=300 * 199)
