"""A bare aiohttp WebSocket relay: the floor that the hub's relay latency is measured against.

It does the least a signaling relay can do, so that bench/signaling_load.py can put the hub next
to it in the same run. Every connection sends one setup frame, then its frames go out unchanged
on its partner's socket (the same hop count as the hub's relay, which also goes kiosk -> server
-> staff):

- ``{"type": "hello", ...}`` is answered with ``{"type": "welcome"}``;
- ``{"type": "pair", "session_id": S}`` from two connections pairs them, and both are sent
  ``{"type": "session_started", "session_id": S}``;
- any later frame of a paired connection is forwarded to its partner without being parsed.

The WebSocket and server options match the hub's (no compression, 64 KiB frames, 20 s heartbeat
not rounded to whole seconds: signaling.app.server_options), so the two servers carry the same
traffic, pings included, spread the same way.

Run: ``.venv/bin/python -m bench.echo_server --port 8766``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from aiohttp import WSCloseCode, WSMsgType, web

HEARTBEAT_SECONDS = 20  # as the hub's (signaling.app); not imported, to keep this process bare

PAIRS = web.AppKey("pairs", dict[str, list[web.WebSocketResponse]])
PEERS = web.AppKey("peers", dict[web.WebSocketResponse, web.WebSocketResponse])
SOCKETS = web.AppKey("sockets", set[web.WebSocketResponse])

WELCOME = json.dumps({"type": "welcome"})


def create_app() -> web.Application:
    app = web.Application()
    app[PAIRS] = {}
    app[PEERS] = {}
    app[SOCKETS] = set()
    app.on_shutdown.append(_going_away)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/healthz", healthz)
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "connections": len(request.app[SOCKETS])})


async def _going_away(app: web.Application) -> None:
    # Open handlers would hold up the shutdown until aiohttp's timeout, as in the hub.
    sockets = app[SOCKETS]
    closes = [ws.close(code=WSCloseCode.GOING_AWAY) for ws in list(sockets)]
    await asyncio.gather(*closes, return_exceptions=True)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=65536, compress=False, heartbeat=HEARTBEAT_SECONDS)
    await ws.prepare(request)
    peers = request.app[PEERS]
    request.app[SOCKETS].add(ws)
    try:
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            partner = peers.get(ws)
            if partner is not None:
                await partner.send_str(frame.data)
            else:
                await _setup(request.app, ws, frame.data)
    finally:
        request.app[SOCKETS].discard(ws)
        partner = peers.pop(ws, None)
        if partner is not None:
            peers.pop(partner, None)
    return ws


async def _setup(app: web.Application, ws: web.WebSocketResponse, data: str) -> None:
    """Hello and pair frames: parsed only here, before a connection has a partner."""
    message = json.loads(data)
    if message.get("type") == "hello":
        await ws.send_str(WELCOME)
    elif message.get("type") == "pair":
        session_id = str(message["session_id"])
        waiting = app[PAIRS].setdefault(session_id, [])
        waiting.append(ws)
        if len(waiting) == 2:
            del app[PAIRS][session_id]
            first, second = waiting
            app[PEERS][first], app[PEERS][second] = second, first
            started = json.dumps({"type": "session_started", "session_id": session_id})
            await first.send_str(started)
            await second.send_str(started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        create_app(),
        host=args.host,
        port=args.port,
        print=None,
        timeout_ceil_threshold=HEARTBEAT_SECONDS,
    )


if __name__ == "__main__":
    main()
