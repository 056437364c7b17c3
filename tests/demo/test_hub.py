"""The demo's hub: the demo city served open around the clock, and a port that is taken."""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from demo.hub import HubError, port_is_free, start_hub, write_city_open_always
from signaling import hours
from signaling.demo import demo_directory
from signaling.directory import load_directory

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 1, 1, 12, 0, tzinfo=TOKYO),  # 元日: a national holiday and a closed date
        datetime(2026, 11, 29, 3, 0, tzinfo=TOKYO),  # a Sunday, in the night
        datetime(2026, 12, 2, 23, 59, tzinfo=TOKYO),  # a Wednesday, a minute to midnight
    ],
)
def test_the_demo_city_is_open_around_the_clock(tmp_path: Path, when: datetime) -> None:
    city = load_directory(write_city_open_always(tmp_path / "city.toml").read_bytes())
    assert all(hours.is_open(d.hours, when.timestamp()) for d in city.departments)


def test_the_open_city_is_the_demo_city_in_all_but_its_hours(tmp_path: Path) -> None:
    city = load_directory(write_city_open_always(tmp_path / "city.toml").read_bytes())
    demo = demo_directory()
    assert [d.id for d in city.departments] == [d.id for d in demo.departments]
    assert city.categories == demo.categories
    assert city.outcome_codes == demo.outcome_codes


def test_a_taken_port_is_said_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not port_is_free(port)
        with pytest.raises(HubError, match=f"port {port} on 127.0.0.1 is taken"):
            start_hub(tmp_path / "var", tmp_path / "hub.log", port=port)
    assert not (tmp_path / "hub.log").exists()
