from __future__ import annotations

from pathlib import Path

import pytest

from signaling.settings import Settings, SettingsError, load_settings


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_serve_loopback_with_sqlite_under_var_dir() -> None:
    settings = load_settings(None, {})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8765
    assert settings.database_url == "sqlite+aiosqlite:///var/madoguchi.db"
    assert settings.grace_seconds == 30
    assert settings.hello_timeout_seconds == 5
    assert settings.max_frame_bytes == 65536
    assert settings.session_token_ttl_seconds == 10 * 3600
    assert settings.allowed_origins == ["http://127.0.0.1:8765", "http://localhost:8765"]
    assert settings.turn_secret is None
    assert settings.city_file is None
    assert settings.log_level == "INFO"


def test_there_is_no_public_stun_server_by_default() -> None:
    settings = Settings()
    assert settings.stun_urls == []
    assert settings.turn_urls == []


def test_the_default_database_follows_var_dir() -> None:
    settings = load_settings(None, {"MADOGUCHI_VAR_DIR": "/srv/madoguchi"})
    assert settings.database_url == "sqlite+aiosqlite:////srv/madoguchi/madoguchi.db"


def test_an_explicit_database_url_is_kept() -> None:
    url = "postgresql+asyncpg://hub@db/madoguchi"
    assert load_settings(None, {"MADOGUCHI_DATABASE_URL": url}).database_url == url


def test_the_file_sets_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'host = "0.0.0.0"\nport = 9000\nstun_urls = ["stun:stun.city.example:3478"]\n'
        'city_file = "/etc/madoguchi/city.toml"\n',
    )
    settings = load_settings(path, {})
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.stun_urls == ["stun:stun.city.example:3478"]
    assert settings.city_file == "/etc/madoguchi/city.toml"


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "port = 9000\ngrace_seconds = 10\n")
    settings = load_settings(path, {"MADOGUCHI_PORT": "9100"})
    assert settings.port == 9100
    assert settings.grace_seconds == 10


def test_environment_lists_are_comma_separated() -> None:
    settings = load_settings(
        None, {"MADOGUCHI_ALLOWED_ORIGINS": "https://a.example, https://b.example,"}
    )
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]


def test_an_empty_environment_value_clears_an_optional_setting(tmp_path: Path) -> None:
    path = write(tmp_path, 'city_file = "city.toml"\n')
    assert load_settings(path, {"MADOGUCHI_CITY_FILE": ""}).city_file is None


def test_the_log_level_is_case_insensitive_in_the_environment() -> None:
    assert load_settings(None, {"MADOGUCHI_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_unrelated_madoguchi_variables_are_ignored() -> None:
    environ = {"MADOGUCHI_TEST_POSTGRES_URL": "postgresql://x", "MADOGUCHI_CONFIG": "x"}
    assert load_settings(None, environ) == Settings()


def test_a_malformed_number_in_the_environment_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="MADOGUCHI_PORT") as caught:
        load_settings(None, {"MADOGUCHI_PORT": "eighty"})
    assert caught.value.field == "port"


def test_an_out_of_range_port_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="65535") as caught:
        load_settings(write(tmp_path, "port = 70000\n"), {})
    assert caught.value.field == "port"


def test_a_negative_grace_period_is_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_GRACE_SECONDS": "-1"})
    assert caught.value.field == "grace_seconds"


def test_a_value_of_the_wrong_type_in_the_file_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="allowed_origins") as caught:
        load_settings(write(tmp_path, 'allowed_origins = "https://a.example"\n'), {})
    assert caught.value.field == "allowed_origins"


def test_an_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such setting") as caught:
        load_settings(write(tmp_path, "prot = 80\n"), {})
    assert caught.value.field == "prot"


def test_an_unknown_log_level_is_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_LOG_LEVEL": "LOUD"})
    assert caught.value.field == "log_level"


def test_turn_urls_without_a_secret_are_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_TURN_URLS": "turn:turn.city.example:3478"})
    assert caught.value.field == "turn_secret"


def test_ice_urls_must_have_the_right_scheme() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_STUN_URLS": "https://stun.example"})
    assert caught.value.field == "stun_urls"
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_TURN_URLS": "stun:x", "MADOGUCHI_TURN_SECRET": "s"})
    assert caught.value.field == "turn_urls"


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(str(tmp_path / "absent.toml"), {})


def test_a_file_that_is_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "port = \n"), {})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_the_repr_shows_no_secret() -> None:
    settings = Settings(
        turn_urls=["turn:t.example"],
        turn_secret="hunter2",
        database_url="postgresql+asyncpg://hub:pw@db/m",
    )
    assert "hunter2" not in repr(settings)
    assert "pw@" not in repr(settings)


def test_the_proxy_and_production_settings_default_to_a_developers_machine() -> None:
    settings = Settings()
    assert settings.mode == "development"
    assert settings.trusted_proxies == []
    assert settings.metrics_allow == ["127.0.0.0/8", "::1/128"]
    assert settings.tls_terminated_by_proxy is False


def test_a_boolean_in_the_environment_is_true_or_false() -> None:
    settings = load_settings(None, {"MADOGUCHI_TLS_TERMINATED_BY_PROXY": "true"})
    assert settings.tls_terminated_by_proxy is True
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_TLS_TERMINATED_BY_PROXY": "maybe"})
    assert caught.value.field == "tls_terminated_by_proxy"


def test_a_network_that_is_not_one_is_refused_with_its_source() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, {"MADOGUCHI_TRUSTED_PROXIES": "10.0.0.0/8, nginx"})
    assert caught.value.field == "trusted_proxies"
    assert "'nginx' is not an IP network" in str(caught.value)
    assert "MADOGUCHI_TRUSTED_PROXIES" in str(caught.value)


def test_a_certificate_without_its_key_is_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(tls_cert_file="/etc/ssl/hub.pem")
    assert caught.value.field == "tls_cert_file"
