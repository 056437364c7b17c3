"""The desktop's windows: the xprop and xwininfo parsers, then real windows on an Xvfb."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from call.windows import (
    MIN_SIDE,
    DesktopWindow,
    find_window,
    list_windows,
    parse_client_list,
    parse_window_info,
    worth_sharing,
)
from tests.call.test_screen import XServer, start_xvfb
from tests.call.x11_window import needs_x11_tools, publish_client_list, shown_window

# As xwininfo 1.1.5 prints them; the title is _NET_WM_NAME in UTF-8.
XWININFO = """
xwininfo: Window id: 0x1e00007 "申請書.pdf — "文書" ビューア"

  Absolute upper-left X:  -20
  Absolute upper-left Y:  64
  Relative upper-left X:  0
  Relative upper-left Y:  0
  Width: 900
  Height: 1200
  Depth: 24
  Visual: 0x21
  Border width: 0
  Class: InputOutput
  Map State: IsViewable
  Override Redirect State: no
  Corners:  +-20+64  -1040+64  -1040-0  +-20-0
  -geometry 900x1200+-20+64
"""


def test_a_window_managers_client_list_is_read_as_window_ids() -> None:
    output = "_NET_CLIENT_LIST_STACKING: window id # 0x1e00007, 0x2400003, 0x3a00011\n"

    assert parse_client_list(output) == [0x1E00007, 0x2400003, 0x3A00011]


def test_a_client_list_set_as_cardinals_is_read_too() -> None:
    assert parse_client_list("_NET_CLIENT_LIST = 2097155, 2097160\n") == [2097155, 2097160]


def test_a_missing_client_list_and_a_bad_id_give_nothing_for_them() -> None:
    assert parse_client_list("_NET_CLIENT_LIST:  not found.\n") == []
    assert parse_client_list("_NET_CLIENT_LIST: window id # 0x10, junk, 0x20") == [0x10, 0x20]


def test_xwininfo_gives_the_title_quotes_and_all_and_the_absolute_place() -> None:
    window = parse_window_info(XWININFO)

    assert window == DesktopWindow(
        0x1E00007, '申請書.pdf — "文書" ビューア', -20, 64, 900, 1200, True
    )


def test_an_unmapped_or_nameless_window_is_not_worth_sharing() -> None:
    hidden = XWININFO.replace("IsViewable", "IsUnMapped")
    nameless = XWININFO.replace('"申請書.pdf — "文書" ビューア"', "(has no name)")

    assert (window := parse_window_info(hidden)) is not None
    assert not window.shown
    assert not worth_sharing(window)
    assert (window := parse_window_info(nameless)) is not None
    assert window.title == ""
    assert not worth_sharing(window)


def test_a_window_smaller_than_a_thumb_is_not_worth_sharing() -> None:
    tiny = DesktopWindow(1, "tray", 0, 0, MIN_SIDE - 1, 400, shown=True)

    assert not worth_sharing(tiny)
    assert worth_sharing(DesktopWindow(1, "form", 0, 0, MIN_SIDE, MIN_SIDE, shown=True))


def test_output_without_geometry_is_no_window() -> None:
    assert parse_window_info("xwininfo: Window id: 0x10 (has no name)\n") is None
    assert parse_window_info("xwininfo: error: No such window with id 0x10.\n") is None


@pytest.fixture(scope="module")
def bare_xserver() -> Iterator[XServer]:
    needs_x11_tools()
    server = start_xvfb()
    yield server
    server.stop()


def test_a_real_window_is_listed_with_its_title_and_place(bare_xserver: XServer) -> None:
    display = bare_xserver.display
    with (
        shown_window(display, "住民票の写し — viewer", "640x480+100+50") as form,
        shown_window(display, "other", "320x240+900+500") as other,
    ):
        publish_client_list(display, [other.id, form.id])  # bottom to top

        listed = list_windows(display)
        without_form = list_windows(display, exclude={form.id})

    assert [window.id for window in listed] == [form.id, other.id]  # the front window first
    assert listed[0] == DesktopWindow(form.id, "住民票の写し — viewer", 100, 50, 640, 480, True)
    assert [window.id for window in without_form] == [other.id]


def test_a_closed_window_is_found_no_more(bare_xserver: XServer) -> None:
    with shown_window(bare_xserver.display, "closing", "200x200+10+10") as window:
        assert find_window(window.id, bare_xserver.display) is not None
        window.close()

        assert find_window(window.id, bare_xserver.display) is None


def test_without_a_window_manager_no_window_is_listed(bare_xserver: XServer) -> None:
    server = start_xvfb()  # nobody has published a client list here
    try:
        assert list_windows(server.display) == []
    finally:
        server.stop()


def test_without_a_display_the_list_is_empty_not_an_error() -> None:
    assert list_windows(":999") == []
