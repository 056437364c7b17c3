"""The kiosk's settings: one frozen object from a TOML file, MADOGUCHI_KIOSK_* and the command line.

Later sources win: defaults, then the file, then the environment, then the command line. The
device token is a secret: prefer the file (readable by the kiosk user only) or the environment
to ``--token``, which other local users can see in the process list.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from call.camera_modes import CameraMode, parse_camera_mode
from kiosk.i18n import Language

ENV_PREFIX = "MADOGUCHI_KIOSK_"
AUDIO_SETUPS = ("open", "handset")  # an open speaker in the room, or private audio


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which."""


@dataclass(frozen=True, slots=True)
class KioskSettings:
    server: str = ""  # ws(s)://host:port/ws
    token: str = field(default="", repr=False)
    language: Language = Language.JA
    windowed: bool = False  # development: a normal window, a cursor, no lockdown
    center_name: str = ""  # shown on the attract screen; the hub's kiosk name when empty
    idle_timeout: float = 60.0  # seconds without a touch before the warning
    warning_seconds: float = 30.0  # the warning's countdown (docs/kiosk-rules.md: at least 20 s)
    # While waiting in a queue: "are you still waiting?" after this long without a touch, with a
    # long countdown; no answer gives up the place (docs/kiosk-rules.md, "Time limits").
    still_waiting_after: float = 180.0
    still_waiting_seconds: float = 90.0  # the question's countdown: at least 60 s
    thank_you_seconds: float = 10.0
    recover_seconds: float = 5.0  # after a crash, before the attract screen comes back
    retry_disabled_seconds: float = 60.0  # a refused kiosk asks the hub again this often
    hub_down_grace: float = 3.0  # a link blip shorter than this is not shown
    default_volume: int = 5  # of 10 steps; reset for every citizen
    admin_pin_hash: str = field(default="", repr=False)  # from `madoguchi-kiosk --hash-pin`
    # The screens are laid out for 1920x1080 (the reference 23.8" display); on another screen
    # set this to its height / 1080, and Qt scales everything (QT_SCALE_FACTOR).
    ui_scale: float = 1.0
    # The panel's pixel pitch in mm (0.2745 for a 23.8" 1920x1080 panel): staff see from it how
    # large the citizen's text really is.
    mm_per_px: float = 0.2745
    synthetic_media: bool = False  # a test pattern and silence instead of devices (demos)
    camera: str = "0"  # an index or a device path
    document_camera: str = ""  # a second camera (書画カメラ), if any
    # "best" (the largest size the camera delivers, MJPG where it has it), or a mode such as
    # "1280x720", "1920x1080@15" or "1920x1080@30 MJPG" (call.camera_modes.parse_camera_mode).
    document_camera_mode: str = "best"
    # Document pages kept so staff's next flip is instant (call.sharing.KEEP_PAGES); 0 on a
    # link too slow to carry pages ahead, so that each page is sent when shown.
    keep_pages: int = 5
    microphone: str = ""  # a PortAudio device name or index; the default when empty
    # "open": a speaker in the room, so the echo canceller runs. "handset": a handset or
    # headset (private audio, no open speaker), so there is no echo and no canceller; name its
    # devices in microphone and speaker (docs/operations.md, "Rooms and echo").
    audio: str = "open"
    # A city's private CA (PEM), trusted besides the system's for the hub (wss://) and for
    # TURN over TLS (turns:); docs/operations.md, "Private CA".
    ca_file: str = ""
    speaker: str = ""

    def validate(self) -> KioskSettings:
        if not self.server.startswith(("ws://", "wss://")):
            raise SettingsError("server must be a ws:// or wss:// URL, such as ws://hub:8765/ws")
        if not self.token:
            raise SettingsError("a kiosk token is needed (--token, the file, or the environment)")
        if self.warning_seconds < 20:
            raise SettingsError("warning_seconds must be at least 20 (docs/kiosk-rules.md)")
        if self.idle_timeout <= 0:
            raise SettingsError("idle_timeout must be positive")
        if self.still_waiting_after <= 0:
            raise SettingsError("still_waiting_after must be positive")
        if self.still_waiting_seconds < 60:
            raise SettingsError("still_waiting_seconds must be at least 60")
        if not 0.3 <= self.ui_scale <= 4:
            raise SettingsError("ui_scale is the screen's height / 1080, such as 0.711")
        if not 0.05 <= self.mm_per_px <= 2:
            raise SettingsError("mm_per_px is the panel's pixel pitch, 0.2745 for 23.8\" 1080p")
        if not 0 <= self.keep_pages <= 8:  # call.content_messages.MAX_KEEP_PAGES
            raise SettingsError("keep_pages is 0 (send every page when shown) to 8")
        if not 0 <= self.default_volume <= 10:
            raise SettingsError("default_volume is a step from 0 to 10")
        if self.audio not in AUDIO_SETUPS:
            raise SettingsError('audio is "open" (a speaker in the room) or "handset"')
        if self.ca_file and not Path(self.ca_file).is_file():
            raise SettingsError(f"ca_file: there is no CA certificate at {self.ca_file}")
        self.document_camera_request()
        return self

    def document_camera_request(self) -> CameraMode | None:
        """The document camera's mode as asked for; None for the best it offers."""
        try:
            return parse_camera_mode(self.document_camera_mode)
        except ValueError as error:
            raise SettingsError(f"document_camera_mode: {error}") from None


def _coerce(name: str, kind: Any, value: Any) -> Any:
    try:
        if kind in (bool, "bool"):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind in (float, "float"):
            return float(value)
        if kind in (int, "int"):
            return int(value)
        if kind in (Language, "Language"):
            return Language(value)
        return str(value)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> KioskSettings:
    """Defaults, then the TOML file, then MADOGUCHI_KIOSK_* variables, then `overrides`."""
    known = {f.name: f.type for f in fields(KioskSettings)}
    values: dict[str, Any] = {}
    if path is not None:
        with Path(path).open("rb") as file:
            data = tomllib.load(file)
        data = data.get("kiosk", data)
        unknown = set(data) - set(known)
        if unknown:
            raise SettingsError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values |= data
    for name in known:
        value = (env if env is not None else os.environ).get(ENV_PREFIX + name.upper())
        if value is not None:
            values[name] = value
    values |= {k: v for k, v in (overrides or {}).items() if v is not None}
    coerced = {name: _coerce(name, known[name], value) for name, value in values.items()}
    return replace(KioskSettings(), **coerced)
