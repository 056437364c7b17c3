"""Production mode: refuse to start with a setting that is only safe on a developer's machine.

Each check raises a ``SettingsError`` whose one line says which setting and why, so the hub's
entry point can print it without a traceback. Nothing here runs unless ``mode = "production"``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import stat
from pathlib import Path

import sqlalchemy as sa

from signaling.auth import verify_password
from signaling.demo import DEMO_ACCOUNTS
from signaling.forwarded import parse_networks
from signaling.settings import Settings, SettingsError
from signaling.store import Store

_WORLD = stat.S_IRWXO  # any permission for "others" on the data is too much


def check_settings(settings: Settings) -> None:
    """The refusals that need nothing but the settings."""
    if settings.mode != "production":
        return
    if _public(settings.host) and settings.tls_cert_file is None:
        if not settings.tls_terminated_by_proxy:
            raise SettingsError(
                "host",
                f"{settings.host} is a public address without TLS: set tls_cert_file and "
                "tls_key_file, or tls_terminated_by_proxy = true behind a TLS proxy",
            )
    if settings.tls_terminated_by_proxy and not settings.trusted_proxies:
        raise SettingsError(
            "trusted_proxies",
            "tls_terminated_by_proxy is set but no proxy is trusted, so every client would have "
            "the proxy's address",
        )
    for network in parse_networks(settings.metrics_allow):
        if not (network.is_private or network.is_loopback):
            raise SettingsError(
                "metrics_allow",
                f"{network} opens /metrics beyond loopback and private networks",
            )
    origins = [o for o in settings.allowed_origins if o.startswith("http://")]
    if origins and not all(_loopback_origin(o) for o in origins):
        raise SettingsError("allowed_origins", f"{origins[0]} is plain http; use https")


def check_files(settings: Settings) -> None:
    """The data folder and the SQLite file must not be open to other users."""
    if settings.mode != "production":
        return
    paths = [Path(settings.var_dir)]
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        paths.append(Path(url.database))
    for path in paths:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue  # created 0700 / 0600 by the hub
        if mode & _WORLD:
            raise SettingsError(
                "var_dir",
                f"{path} is open to other users (mode {stat.S_IMODE(mode):o}); "
                f"chmod {'700' if stat.S_ISDIR(mode) else '600'} it",
            )


async def check_store(settings: Settings, store: Store) -> None:
    """No account may still have the demo's published password."""
    if settings.mode != "production":
        return
    for demo in DEMO_ACCOUNTS:
        account = await store.get_account_by_username(demo.username)
        if account is None:
            continue
        if await asyncio.to_thread(verify_password, account.password_hash, demo.password):
            raise SettingsError(
                "database_url",
                f"the account {demo.username!r} has the demo's published password; "
                f"madoguchi-admin reset-password {demo.username}",
            )


def _public(host: str) -> bool:
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # "", "0.0.0.0" is an address; any other name may resolve anywhere


def _loopback_origin(origin: str) -> bool:
    host = origin.removeprefix("http://").rsplit(":", 1)[0].strip("[]")
    return not _public(host)
