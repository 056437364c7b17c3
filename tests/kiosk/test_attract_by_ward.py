"""The attract screen names the desks a kiosk's own citizens queue at, in a city with wards."""

from __future__ import annotations

from kiosk_scenes import TUESDAY_MORNING, ManualClock, RecordingEngine

from kiosk.core.controller import KioskController
from kiosk.core.engine_port import HubConnected
from kiosk.core.viewmodels import AttractVM
from kiosk.settings import KioskSettings
from signaling.demo import demo_directory
from signaling.views import directory as directory_view


def attract_for(ward_id: str, settings: KioskSettings, staffed: set[str]) -> AttractVM:
    clock = ManualClock()
    controller = KioskController(
        RecordingEngine(), settings, clock=clock.monotonic, wall_clock=clock.time
    )
    controller.handle(HubConnected(resumed=False, name="北部支所"))
    controller.handle(directory_view(demo_directory(), TUESDAY_MORNING, staffed, ward_id))
    screen = controller.view().screen
    assert isinstance(screen, AttractVM)
    return screen


def test_a_kiosk_lists_its_own_wards_citizens_desk_not_the_other_wards(
    settings: KioskSettings,
) -> None:
    everyone = {d.id for d in demo_directory().departments}
    open_in_kita = [d.name for d in attract_for("kita", settings, everyone).open_departments]
    assert "北区 市民課" in open_in_kita
    assert not {"市民課", "南区 市民課"} & set(open_in_kita)
    assert {"税務課", "福祉課"} <= set(open_in_kita)  # city-wide desks serve every ward
    open_in_chuo = [d.name for d in attract_for("chuo", settings, everyone).open_departments]
    assert "市民課" in open_in_chuo
    assert not {"北区 市民課", "南区 市民課"} & set(open_in_chuo)


def test_a_desk_with_nobody_on_duty_shows_staffed_while_another_ward_can_take_its_citizens(
    settings: KioskSettings,
) -> None:
    # Only 中央区's 市民課 has someone on duty: 北区's citizens overflow to it at once.
    screen = attract_for("kita", settings, {"shimin"})
    assert [d.name for d in screen.open_departments] == ["北区 市民課"]
    assert "北区 市民課" not in screen.unstaffed_departments
