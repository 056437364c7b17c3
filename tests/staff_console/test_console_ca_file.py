"""The console's ca_file setting: a city's private CA, from the file or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from staff_console.__main__ import main as console_main
from staff_console.settings import load_settings


def test_ca_file_comes_from_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "console.toml"
    config.write_text('ca_file = "C:/ProgramData/Madoguchi/city-ca.pem"\n', encoding="utf-8")
    assert load_settings(config, {}).ca_file == "C:/ProgramData/Madoguchi/city-ca.pem"


def test_ca_file_comes_from_the_environment() -> None:
    settings = load_settings(None, {"MADOGUCHI_CONSOLE_CA_FILE": "/etc/madoguchi/city-ca.pem"})
    assert settings.ca_file == "/etc/madoguchi/city-ca.pem"


def test_a_ca_file_that_is_not_there_stops_the_console_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "console.toml"
    config.write_text(f'ca_file = "{tmp_path / "missing.pem"}"\n', encoding="utf-8")
    assert console_main(["--config", str(config)]) == 2
    assert f"ca_file: no CA certificate at {tmp_path / 'missing.pem'}" in capsys.readouterr().err


def test_ca_file_on_the_command_line_wins_over_the_settings_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "console.toml"
    config.write_text(f'ca_file = "{tmp_path / "from-file.pem"}"\n', encoding="utf-8")
    missing = tmp_path / "from-the-command-line.pem"
    assert console_main(["--config", str(config), "--ca-file", str(missing)]) == 2
    assert f"ca_file: no CA certificate at {missing}" in capsys.readouterr().err
