"""The document camera's mode setting: "best" by default, or a mode, from any settings source."""

from __future__ import annotations

from pathlib import Path

import pytest

from call.camera import CameraSettings
from call.camera_modes import CameraMode
from kiosk.settings import KioskSettings, SettingsError, load_settings

NEEDED = {"server": "ws://hub:8765/ws", "token": "t"}


def test_the_document_camera_asks_for_the_best_mode_by_default() -> None:
    settings = load_settings(env={}, overrides=NEEDED).validate()

    assert settings.document_camera_mode == "best"
    assert settings.document_camera_request() is None
    assert CameraSettings(device=1).with_mode(settings.document_camera_request()).best


def test_the_environment_chooses_a_mode_with_a_rate() -> None:
    env = {"MADOGUCHI_KIOSK_DOCUMENT_CAMERA_MODE": "1920x1080@15"}

    settings = load_settings(env=env, overrides=NEEDED).validate()

    assert settings.document_camera_request() == CameraMode(1920, 1080, 15)


def test_the_file_chooses_a_mode_with_a_format(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\ndocument_camera = "/dev/video2"\ndocument_camera_mode = "1280x720"\n')

    settings = load_settings(path, env={}, overrides=NEEDED).validate()
    camera = CameraSettings(device=settings.document_camera)
    camera = camera.with_mode(settings.document_camera_request())

    assert (camera.width, camera.height, camera.fps, camera.fourcc) == (1280, 720, 30, "MJPG")
    assert not camera.best


@pytest.mark.parametrize("junk", ["1080p", "hd", "1920x1080@fast", "1920x1080@0", ""])
def test_a_mode_that_is_junk_is_refused_naming_the_setting(junk: str) -> None:
    settings = KioskSettings(**NEEDED, document_camera_mode=junk)

    with pytest.raises(SettingsError, match=r"^document_camera_mode: camera mode") as refused:
        settings.validate()

    assert repr(junk) in str(refused.value)
