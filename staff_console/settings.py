"""The console's settings: one typed object from a TOML file plus environment variables.

What the staff member changes at the console (the server URL, the username, the window layout,
the alert sound) is remembered with QSettings instead, in `app.Remembered`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import msgspec

ENV_PREFIX: Final = "MADOGUCHI_CONSOLE_"


class ConsoleSettings(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    server: str = ""  # the default hub URL; a remembered one wins
    language: str = "ja"  # "ja" or "en"
    forms_folder: str = ""  # the city's standard forms; empty for none
    templates: tuple[str, ...] = ()  # texts to the kiosk; the catalog's when empty
    alert_sound: bool = True
    alert_visual: bool = True
    synthetic_media: bool = False  # a test pattern and a synthetic voice (demo, tests)
    camera: str = "0"  # an index or a device path
    # A city's private CA (PEM), trusted besides the system's for the hub (wss://) and for
    # TURN over TLS (turns:); docs/operations.md, "Private CA".
    ca_file: str = ""


def load_settings(path: Path | None, environ: Mapping[str, str] = os.environ) -> ConsoleSettings:
    """The file's values, then MADOGUCHI_CONSOLE_<FIELD> variables over them."""
    values: dict[str, Any] = {}
    if path is not None:
        values.update(tomllib.loads(path.read_text(encoding="utf-8")))
    for field in ConsoleSettings.__struct_fields__:
        raw = environ.get(ENV_PREFIX + field.upper())
        if raw is not None:
            values[field] = raw
    return msgspec.convert(values, ConsoleSettings, strict=False)
