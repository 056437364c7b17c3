"""Production mode refuses each unsafe setting at the hub's entry point, in one line each."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from signaling.auth import hash_password
from signaling.demo import seed_demo
from signaling.production import check_settings
from signaling.protocol import Role
from signaling.settings import Settings, SettingsError
from signaling.store import Store
from tests.participant import UNIT

PASSWORD = "a long city password"

SAFE = {
    "mode": '"production"',
    "host": '"127.0.0.1"',
    "allowed_origins": '["https://madoguchi.city.example"]',
}


def config(tmp_path: Path, **settings: str) -> Path:
    """A safe production config with ``settings`` (TOML values) changed."""
    var = tmp_path / "var"
    var.mkdir(mode=0o700, exist_ok=True)
    lines = [f"{k} = {v}" for k, v in {**SAFE, "var_dir": f'"{var}"', **settings}.items()]
    path = tmp_path / "hub.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(path: Path, *args: str) -> str:
    """Run the real entry point; it must refuse with exit code 2, one line and no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "signaling", "--config", str(path), "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30 * UNIT,
        env={k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    # Log lines of a start that got as far as the database may come first; the reason is one line.
    said = [line for line in done.stderr.splitlines() if line.startswith("madoguchi-signaling:")]
    assert len(said) == 1, done.stderr
    assert said[0] == done.stderr.splitlines()[-1]
    assert said[0].startswith("madoguchi-signaling: setting ")
    return said[0]


def test_a_public_bind_without_tls_is_refused(tmp_path: Path) -> None:
    line = refusal(config(tmp_path, host='"0.0.0.0"'))
    assert "setting 'host': 0.0.0.0 is a public address without TLS" in line


def test_a_proxy_said_to_terminate_tls_must_be_trusted(tmp_path: Path) -> None:
    line = refusal(config(tmp_path, host='"0.0.0.0"', tls_terminated_by_proxy="true"))
    assert (
        "setting 'trusted_proxies': tls_terminated_by_proxy is set but no proxy is trusted" in line
    )


def test_metrics_open_beyond_private_networks_is_refused(tmp_path: Path) -> None:
    line = refusal(config(tmp_path, metrics_allow='["127.0.0.1/32", "0.0.0.0/0"]'))
    assert "setting 'metrics_allow': 0.0.0.0/0 opens /metrics beyond" in line


def test_a_plain_http_admin_origin_is_refused(tmp_path: Path) -> None:
    line = refusal(config(tmp_path, allowed_origins='["http://madoguchi.city.example"]'))
    assert "setting 'allowed_origins': http://madoguchi.city.example is plain http" in line


def test_a_data_folder_open_to_other_users_is_refused(tmp_path: Path) -> None:
    path = config(tmp_path)
    (tmp_path / "var").chmod(0o755)
    line = refusal(path)
    assert "setting 'var_dir':" in line
    assert "is open to other users (mode 755); chmod 700 it" in line


def test_a_database_readable_by_other_users_is_refused(tmp_path: Path) -> None:
    path = config(tmp_path)
    database = tmp_path / "var" / "madoguchi.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    line = refusal(path)
    assert f"{database} is open to other users (mode 644); chmod 600 it" in line


def test_a_certificate_that_cannot_be_loaded_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    line = refusal(config(tmp_path, tls_cert_file=f'"{missing}"', tls_key_file=f'"{missing}"'))
    assert "setting 'tls_cert_file': cannot load the certificate or key" in line


def test_the_demo_seed_is_refused(tmp_path: Path) -> None:
    line = refusal(config(tmp_path), "--demo")
    assert "setting 'mode': --demo seeds published passwords" in line


def test_an_account_with_the_demos_published_password_is_refused(tmp_path: Path) -> None:
    path = config(tmp_path)

    async def seed() -> None:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/var/madoguchi.db")
        try:
            await seed_demo(store)
        finally:
            await store.close()

    asyncio.run(seed())
    line = refusal(path)
    assert "the account 'admin' has the demo's published password" in line
    assert "madoguchi-admin reset-password admin" in line


def test_a_safe_production_setup_starts(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "signaling", "--config", str(config(tmp_path))]
    with subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")},
    ) as hub:
        try:
            assert hub.stdout is not None
            assert hub.stdout.readline().startswith("Madoguchi hub on ws://127.0.0.1:")
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(timeout=30 * UNIT)
    assert (tmp_path / "var" / "madoguchi.db").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "safe",
    [
        Settings(mode="production", host="0.0.0.0", tls_cert_file="c", tls_key_file="k"),
        Settings(
            mode="production",
            host="::",
            tls_terminated_by_proxy=True,
            trusted_proxies=["10.0.0.5"],
            metrics_allow=["127.0.0.1/32", "10.20.0.0/16", "fd00::/8"],
        ),
        Settings(host="0.0.0.0", metrics_allow=["0.0.0.0/0"]),  # development allows anything
    ],
)
def test_safe_settings_pass(safe: Settings) -> None:
    check_settings(safe)


def test_a_refusal_is_a_settings_error_naming_the_field() -> None:
    with pytest.raises(SettingsError) as caught:
        check_settings(Settings(mode="production", host="192.0.2.1"))
    assert caught.value.field == "host"


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "hub.crt", directory / "hub.key"
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=10 * UNIT,
    )  # fmt: skip
    return cert, key


async def test_with_its_own_tls_the_hub_serves_https_and_a_secure_admin_cookie(
    tmp_path: Path,
) -> None:
    cert, key = self_signed(tmp_path)
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    store = await Store.open(f"sqlite+aiosqlite:///{var}/madoguchi.db")
    try:
        await store.create_account(
            "kacho", "課長", Role.ADMIN, hash_password(PASSWORD), [], actor="test", now=0
        )
    finally:
        await store.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    origin = f"https://127.0.0.1:{port}"
    path = config(
        tmp_path,
        tls_cert_file=f'"{cert}"',
        tls_key_file=f'"{key}"',
        allowed_origins=f'["{origin}"]',
    )
    hub = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "signaling", "--config", str(path), "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")},
    )  # fmt: skip
    try:
        assert hub.stdout is not None
        async with asyncio.timeout(10 * UNIT):
            line = await hub.stdout.readline()
        assert line.decode().startswith(f"Madoguchi hub on wss://127.0.0.1:{port}/ws")
        tls = ssl.create_default_context(cafile=str(cert))
        body = {"username": "kacho", "password": PASSWORD}
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{origin}/admin/api/login", json=body, headers={"Origin": origin}, ssl=tls
            ) as response,
        ):
            assert response.status == 200
            assert "Secure" in response.headers["Set-Cookie"]
    finally:
        hub.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10 * UNIT):
            await hub.wait()
