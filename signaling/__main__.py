"""``madoguchi-signaling`` / ``python -m signaling``: run the hub."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import ssl
import sys

import msgspec
from aiohttp import web

from signaling.app import create_app, schedule_full_collections, server_options
from signaling.demo import seed_demo
from signaling.settings import Settings, SettingsError, load_settings
from signaling.store import Store, StoreError
from signaling.store.engine import missing_driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi-signaling", description=__doc__)
    parser.add_argument("--config", help="a TOML settings file (MADOGUCHI_* variables override)")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default 8765)")
    parser.add_argument(
        "--demo", action="store_true", help="seed the demo city and print its credentials"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config, os.environ)
        overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
        settings = msgspec.structs.replace(settings, **overrides)
        if args.demo and settings.mode == "production":
            raise SettingsError("mode", "--demo seeds published passwords; never in production")
        app = create_app(settings)
        tls = _tls_context(settings)
    except SettingsError as exc:
        print(f"madoguchi-signaling: {exc}", file=sys.stderr)
        return 2
    if problem := missing_driver(settings.database_url):
        print(f"madoguchi-signaling: {problem}", file=sys.stderr)
        return 2
    # Everything the hub writes (database, WAL, snapshot, backups) is for its own user only.
    os.umask(0o077)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if args.demo:
        try:
            asyncio.run(_seed_demo(settings))
        except StoreError as exc:
            print(f"madoguchi-signaling: cannot seed the demo: {exc}", file=sys.stderr)
            return 1
    schedule_full_collections()
    scheme = "ws" if tls is None else "wss"
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            ssl_context=tls,
            **server_options(settings),
            print=lambda _: print(
                f"Madoguchi hub on {scheme}://{settings.host}:{settings.port}/ws"
            ),
        )
    except SettingsError as exc:  # production mode's checks of the files and the database
        print(f"madoguchi-signaling: {exc}", file=sys.stderr)
        return 2
    return 0


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except (OSError, ssl.SSLError) as exc:
        raise SettingsError("tls_cert_file", f"cannot load the certificate or key: {exc}") from None
    return context


async def _seed_demo(settings: Settings) -> None:
    os.makedirs(settings.var_dir, mode=0o700, exist_ok=True)
    store = await Store.open(settings.database_url)
    try:
        credentials = await seed_demo(store)
    finally:
        await store.close()
    path = credentials.write(settings.var_dir)
    print(credentials.render())
    print(f"(also written to {path})")
    base = f"http://{settings.host}:{settings.port}"
    print(
        "\nNext, in another terminal:\n"
        f"  curl {base}/healthz              # is the hub up?\n"
        f"  curl {base}/metrics              # live queues, calls and KPIs\n"
        "  .venv/bin/madoguchi-admin list-kiosks   # manage kiosks and accounts\n"
        "The kiosk app and the staff console connect to this hub with the credentials above."
    )


if __name__ == "__main__":
    sys.exit(main())
