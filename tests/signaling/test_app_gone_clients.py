"""Clients that give up in the middle of the WebSocket handshake, as a reconnect storm's do when
their handshake deadline passes: the hub, as an operator runs it, lets them go without a
traceback in its log and serves the rest."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

from websockets.asyncio.client import connect

from signaling import protocol as p
from tests.hub_process import HubProcess, seed_var_dir

from .test_app_limits import hello

UPGRADE = (
    "GET /ws HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n"
)


def upgrade_then_reset(port: int) -> None:
    """Ask for the upgrade and reset the connection at once (SO_LINGER 0 sends RST)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(UPGRADE.encode())


async def test_clients_that_reset_during_the_handshake_cost_no_traceback(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    demo = await seed_var_dir(var_dir)
    hub = HubProcess(var_dir, log=tmp_path / "hub.log")
    hub.env["MADOGUCHI_ADDRESS_RECONNECT_BURST"] = "1000"  # one test address plays them all
    await hub.start()
    try:
        for _ in range(200):
            await asyncio.to_thread(upgrade_then_reset, hub.port)
        async with connect(hub.url) as ws:
            assert isinstance(await hello(ws, token=demo.kiosks[0].token), p.Welcome)
    finally:
        await hub.stop()
    log = (tmp_path / "hub.log").read_text()
    assert "Traceback" not in log, log[-3000:]
