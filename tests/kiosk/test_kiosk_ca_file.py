"""The kiosk's ca_file setting: a city's private CA, from the file or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import SettingsError, load_settings

BASE = {"server": "wss://madoguchi.city.lg.jp/ws", "token": "t"}


def test_ca_file_comes_from_the_settings_file(tmp_path: Path) -> None:
    ca = tmp_path / "city-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'ca_file = "{ca}"\n', encoding="utf-8")
    settings = load_settings(config, env={}, overrides=BASE).validate()
    assert settings.ca_file == str(ca)


def test_ca_file_comes_from_the_environment(tmp_path: Path) -> None:
    ca = tmp_path / "city-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = load_settings(env={"MADOGUCHI_KIOSK_CA_FILE": str(ca)}, overrides=BASE)
    assert settings.validate().ca_file == str(ca)


def test_a_ca_file_that_is_not_there_stops_the_kiosk_with_its_name(tmp_path: Path) -> None:
    settings = load_settings(env={"MADOGUCHI_KIOSK_CA_FILE": "/nowhere/ca.pem"}, overrides=BASE)
    with pytest.raises(SettingsError, match="ca_file: there is no CA certificate at /nowhere"):
        settings.validate()


def test_without_ca_file_only_the_system_roots_are_trusted() -> None:
    assert load_settings(env={}, overrides=BASE).validate().ca_file == ""
