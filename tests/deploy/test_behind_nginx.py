"""The hub behind Debian's nginx, configured by deploy/nginx/madoguchi.conf as shipped.

Everything is real and on loopback: the hub (its entry point, in production mode), nginx with a
certificate made here, and clients from distinct loopback addresses (127.0.0.66 attacks, a kiosk
at .10, staff at .20, an admin at .30), so the hub can only tell them apart by believing nginx;
and a whole call between two `madoguchi-bot` processes over wss through it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import connect

from call.account import PasswordChangeError, change_password
from call.bot import SUMMARY_PREFIX
from signaling import protocol as p
from signaling.auth import hash_password
from signaling.store import AuditEntry, Store
from tests.fixtures.hub import always_open_demo_city
from tests.participant import UNIT

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "madoguchi.conf"
PASSWORD = "a long city password"
ATTACKER, KIOSK, STAFF, ADMIN = "127.0.0.66", "127.0.0.10", "127.0.0.20", "127.0.0.30"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:  # the Makefile installs nginx; only a machine without it gets here
        pytest.skip(f"{name} is not installed (Debian package in the Makefile's APT_PACKAGES)")
    return path


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "hub.crt", directory / "hub.key"
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=10 * UNIT,
    )  # fmt: skip
    return cert, key


def render_site(https_port: int, http_port: int, hub_port: int, cert: Path, key: Path) -> str:
    """The shipped site with only ports, certificate paths and the name changed; each must hit."""
    site = SITE.read_text(encoding="utf-8")
    for old, new in (
        ("server 127.0.0.1:8765;", f"server 127.0.0.1:{hub_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen [::]:443 ssl;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("/etc/ssl/madoguchi/fullchain.pem", str(cert)),
        ("/etc/ssl/madoguchi/privkey.pem", str(key)),
        ("server_name madoguchi.city.example;", "server_name localhost;"),
    ):
        assert old in site, f"{SITE.name} no longer has {old!r}; update this test with it"
        site = site.replace(old, new)
    return site


def nginx_main(directory: Path, site: Path) -> str:
    return (
        "daemon off;\n"
        f"pid {directory}/nginx.pid;\n"
        f"error_log {directory}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    access_log {directory}/access.log;\n"
        f"    client_body_temp_path {directory}/body;\n"
        f"    proxy_temp_path {directory}/proxy;\n"
        f"    include {site};\n"
        "}\n"
    )


@dataclass
class Stack:
    https: str
    store_url: str
    kiosk_token: str
    tls: ssl.SSLContext
    certificate: Path

    def wss(self) -> str:
        return self.https.replace("https://", "wss://") + "/ws"


async def start_hub(directory: Path, https_port: int, hub_port: int) -> asyncio.subprocess.Process:
    var = directory / "var"
    config = directory / "hub.toml"
    config.write_text(
        f"""
mode = "production"
host = "127.0.0.1"
var_dir = "{var}"
trusted_proxies = ["127.0.0.1/32"]
tls_terminated_by_proxy = true
allowed_origins = ["https://127.0.0.1:{https_port}"]
login_failures_allowed = 2
log_level = "WARNING"
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    hub = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "signaling", "--config", str(config), "--port", str(hub_port),
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert hub.stdout is not None
    async with asyncio.timeout(10 * UNIT):
        line = await hub.stdout.readline()
    assert line.startswith(b"Madoguchi hub on"), line
    return hub


async def start_nginx(
    directory: Path, https_port: int, hub_port: int
) -> asyncio.subprocess.Process:
    cert, key = self_signed(directory)
    site = directory / "madoguchi.conf"
    site.write_text(render_site(https_port, free_port(), hub_port, cert, key), encoding="utf-8")
    main = directory / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot reach pytest's private tmp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(user + nginx_main(directory, site), encoding="utf-8")
    error_log = str(directory / "error.log")
    return await asyncio.create_subprocess_exec(
        tool("nginx"), "-e", error_log, "-c", str(main), "-p", str(directory),
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def seed(store_url: str) -> str:
    """The demo city open all day, one member of staff, one admin and one kiosk; returns the
    kiosk's token."""
    store = await Store.open(store_url)
    try:
        password_hash = hash_password(PASSWORD)
        await store.replace_directory(always_open_demo_city(), actor="test", now=0)
        await store.create_account(
            "tanaka", "田中", p.Role.STAFF, password_hash, ["shimin", "zeimu"], actor="test", now=0
        )
        await store.create_account(
            "kacho", "課長", p.Role.ADMIN, password_hash, [], actor="test", now=0
        )
        _, token = await store.create_kiosk("中央公民館", "1F", actor="test", now=0)
        return token
    finally:
        await store.close()


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10 * UNIT):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    https_port, hub_port = free_port(), free_port()
    (tmp_path / "var").mkdir(mode=0o700)
    store_url = f"sqlite+aiosqlite:///{tmp_path}/var/madoguchi.db"
    kiosk_token = await seed(store_url)
    hub = await start_hub(tmp_path, https_port, hub_port)
    nginx = None
    try:
        nginx = await start_nginx(tmp_path, https_port, hub_port)
        tls = ssl.create_default_context(cafile=str(tmp_path / "hub.crt"))
        https = f"https://127.0.0.1:{https_port}"
        await wait_until_up(f"{https}/healthz", tls, nginx, tmp_path / "error.log")
        yield Stack(https, store_url, kiosk_token, tls, tmp_path / "hub.crt")
    finally:
        if nginx is not None:
            await stop(nginx)
        await stop(hub)


async def wait_until_up(
    url: str, tls: ssl.SSLContext, nginx: asyncio.subprocess.Process, error_log: Path
) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(10 * UNIT):
        while True:
            assert nginx.returncode is None, read(error_log)
            try:
                async with http.get(url, ssl=tls) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def hello_from(stack: Stack, address: str, **fields: object) -> p.ServerMessage:
    """One hello over wss through nginx, from a loopback ``address``, forging the staff's."""
    async with connect(
        stack.wss(),
        ssl=stack.tls,
        local_addr=(address, 0),
        additional_headers={"X-Forwarded-For": STAFF},
    ) as ws:
        hello = p.Hello(protocol_version=p.PROTOCOL_VERSION, **fields)  # type: ignore[arg-type]
        await ws.send(p.encode(hello).decode())
        return p.decode_server(await ws.recv())


async def audit(stack: Stack) -> list[AuditEntry]:
    store = await Store.open(stack.store_url)
    try:
        return await store.list_audit()
    finally:
        await store.close()


async def test_an_attack_through_the_proxy_locks_out_neither_kiosks_nor_staff(
    stack: Stack,
) -> None:
    guesses: list[dict[str, object]] = [
        {"username": "tanaka", "password": f"guess {n}"} for n in range(10)
    ]
    for n in range(50):
        guesses.append(
            {"token": f"guessed-token-{n}"}
            if n % 2
            else {"username": f"user{n}", "password": "guess"}
        )
    answers = [await hello_from(stack, ATTACKER, **guess) for guess in guesses]
    codes = [a.code if isinstance(a, p.Error) else type(a).__name__ for a in answers]
    assert len(codes) == 60
    assert set(codes) == {p.ErrorCode.UNAUTHORIZED, p.ErrorCode.LOGIN_THROTTLED}
    assert codes[-1] is p.ErrorCode.LOGIN_THROTTLED  # the attacker's own address is throttled

    kiosk = await hello_from(stack, KIOSK, token=stack.kiosk_token)
    assert isinstance(kiosk, p.Welcome), kiosk
    staff = await hello_from(stack, STAFF, username="tanaka", password=PASSWORD)
    assert isinstance(staff, p.Welcome), staff

    entries = [e for e in await audit(stack) if e.action in ("login", "login_failed")]
    failed = [e for e in entries if e.action == "login_failed"]
    assert failed
    assert {e.ip for e in failed} == {ATTACKER}
    logins = {e.actor: e.ip for e in entries if e.action == "login"}
    assert logins == {kiosk.principal_id: KIOSK, staff.principal_id: STAFF}


async def test_the_admin_page_through_the_proxy_gets_a_secure_cookie(stack: Stack) -> None:
    connector = aiohttp.TCPConnector(ssl=stack.tls, local_addr=(ADMIN, 0))
    jar = aiohttp.CookieJar(unsafe=True)  # the page is at an IP address here
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as http:
        async with http.post(
            f"{stack.https}/admin/api/login",
            json={"username": "kacho", "password": PASSWORD},
            headers={"Origin": stack.https},
        ) as response:
            assert response.status == 200, await response.text()
            cookie = response.headers["Set-Cookie"]
            assert "Secure" in cookie
            assert "HttpOnly" in cookie
            assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
        async with http.get(f"{stack.https}/admin/api/me") as response:
            assert response.status == 200
        async with http.get(f"{stack.https}/metrics") as response:
            assert response.status == 404  # scraped on the inside, never through the proxy
    logins = [e for e in await audit(stack) if e.action == "login"]
    assert [e.ip for e in logins] == [ADMIN]


async def run_bot(stack: Stack, *args: str) -> dict[str, Any]:
    # The bots trust the test's certificate the way any OpenSSL program can be told to.
    env = {**os.environ, "SSL_CERT_FILE": str(stack.certificate)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "call.bot", *args, "--server", stack.wss(), "--video", "160x120@10",
        "--loopback-ice", "--summary", "--timeout", str(2 * UNIT), "--wait", str(4 * UNIT),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    lines = [line for line in out.decode().splitlines() if line.startswith(SUMMARY_PREFIX)]
    assert len(lines) == 1, out.decode() + err.decode()
    summary: dict[str, Any] = json.loads(lines[0].removeprefix(SUMMARY_PREFIX))
    return summary


async def test_a_kiosk_and_staff_hold_a_call_over_wss_through_the_proxy(stack: Stack) -> None:
    async with asyncio.timeout(12 * UNIT):
        kiosk, staff = await asyncio.gather(
            run_bot(stack, "kiosk", "--token", stack.kiosk_token),
            run_bot(
                stack,
                "staff",
                "--username",
                "tanaka",
                "--password",
                PASSWORD,
                "--hang-up-after",
                "2",
            ),
        )
    assert len(kiosk["calls"]) == len(staff["calls"]) == 1
    assert kiosk["calls"][0]["session_id"] == staff["calls"][0]["session_id"]


async def test_a_forced_password_change_goes_through_the_proxy(stack: Stack) -> None:
    """The console's (and the admin page's) way out of a temporary password is served at
    /account/password beside /ws: the proxy must pass it on, not answer 404 itself."""
    change = functools.partial(
        change_password, stack.wss(), "tanaka", ca_file=str(stack.certificate)
    )
    with pytest.raises(PasswordChangeError) as refused:
        await asyncio.to_thread(change, "a wrong one", "my own words 1")
    assert refused.value.reason == "unauthorized"  # the hub's answer, through nginx
    await asyncio.to_thread(change, PASSWORD, "my own words 1")
    staff = await hello_from(stack, STAFF, username="tanaka", password="my own words 1")
    assert isinstance(staff, p.Welcome), staff
