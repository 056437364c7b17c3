"""The control data channel: heartbeats, staff text, quick phrases, content notices, the pad.

Version 1, which a browser client can implement from docs/call-engine.md §The control channel:

- One RTCDataChannel labelled ``"control"`` with protocol ``"madoguchi-control/1"``, ordered and
  reliable, opened by the offerer (the staff end) next to ``"content"``.
- Each message is one JSON text object tagged by ``"type"``; unknown fields are ignored, and a
  message of an unknown type is logged and dropped (it still counts as a sign of life).
- Each end sends ``heartbeat`` every second. Any message counts as a sign of life; after five
  seconds without one the peer is lost. aiortc alone notices only after about 30 s, when ICE
  consent expires.

`Liveness` is the sans-I/O core of that rule: time enters as an argument, so it is tested
without sleeping. `ControlChannel` runs it on one channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

import msgspec
from aiortc import RTCDataChannel, RTCPeerConnection

from call.control_messages import ControlMessage, Heartbeat, decode_message, encode_message

logger = logging.getLogger(__name__)

CHANNEL_LABEL: Final = "control"
CHANNEL_PROTOCOL: Final = "madoguchi-control/1"
HEARTBEAT_INTERVAL: Final = 1.0  # seconds
LOSS_TIMEOUT: Final = 5.0  # seconds of silence after which the peer counts as lost


def create_control_channel(pc: RTCPeerConnection) -> RTCDataChannel:
    """Open the control channel on the offering side; the answerer gets it as "datachannel"."""
    return pc.createDataChannel(CHANNEL_LABEL, ordered=True, protocol=CHANNEL_PROTOCOL)


def is_control_channel(channel: RTCDataChannel) -> bool:
    return channel.label == CHANNEL_LABEL and channel.protocol == CHANNEL_PROTOCOL


class Liveness:
    """When to send the next heartbeat, and whether the peer has gone silent for too long."""

    def __init__(self, now: float, interval: float, timeout: float) -> None:
        if not 0 < interval < timeout:
            raise ValueError("need 0 < interval < timeout, or a live peer counts as lost")
        self._interval = interval
        self._timeout = timeout
        self._last_heard = now
        self._next_send = now

    def heard(self, now: float) -> None:
        self._last_heard = max(self._last_heard, now)

    def sent(self, now: float) -> None:
        self._next_send = now + self._interval

    def send_due(self, now: float) -> bool:
        return now >= self._next_send

    def silent_for(self, now: float) -> float:
        return now - self._last_heard

    def lost(self, now: float) -> bool:
        return self.silent_for(now) >= self._timeout

    def next_deadline(self) -> float:
        """The next time something is due: a heartbeat to send, or the loss to declare."""
        return min(self._next_send, self._last_heard + self._timeout)


class ControlChannel:
    """Runs `Liveness` on an open control channel and decodes what arrives.

    `on_message` gets every decoded message except heartbeats; `on_lost` is called once, with a
    reason, when the peer goes silent or the channel closes under us. Both run on the loop,
    inside aiortc's receive path or the heartbeat task, so they must not block.
    """

    def __init__(
        self,
        channel: RTCDataChannel,
        on_message: Callable[[ControlMessage], None],
        on_lost: Callable[[str], None],
        *,
        interval: float = HEARTBEAT_INTERVAL,
        timeout: float = LOSS_TIMEOUT,
    ) -> None:
        self._channel = channel
        self._on_message = on_message
        self._on_lost = on_lost
        self._loop = asyncio.get_running_loop()
        self._interval = interval
        self._timeout = timeout
        self._liveness = Liveness(self._loop.time(), interval, timeout)
        self._seq = 0
        self._done = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        channel.on("message", self._on_channel_message)
        channel.on("close", self._on_channel_close)

    @property
    def open(self) -> bool:
        return self._channel.readyState == "open"

    def start(self) -> None:
        """Start the heartbeat; call once the channel is open. Silence is counted from now."""
        if self._task is not None:
            raise RuntimeError("the control channel's heartbeat is already running")
        self._liveness = Liveness(self._loop.time(), self._interval, self._timeout)
        self._task = self._loop.create_task(self._run(), name="control heartbeat")

    def send(self, message: ControlMessage) -> bool:
        """Send now if the channel is open; False when it is not (the message is dropped)."""
        if self._channel.readyState != "open":
            logger.debug(
                "control > dropped %s: channel %s", type(message).__name__, self._channel.readyState
            )
            return False
        self._channel.send(encode_message(message))
        return True

    async def close(self) -> None:
        """Stop the heartbeat and report nothing more; closing the channel is the peer's job."""
        self._done = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._done:
            now = self._loop.time()
            if self._liveness.lost(now):
                self._lose(f"no sign of life for {self._liveness.silent_for(now):.1f} s")
                return
            if self._liveness.send_due(now):
                self.send(Heartbeat(seq=self._seq))
                self._seq += 1
                self._liveness.sent(now)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, self._liveness.next_deadline() - now)):
                    await self._wake.wait()

    def peer_spoke(self) -> None:
        """Count something else the peer sent (a message on another channel, a camera frame)
        as a sign of life.

        The peer's heartbeats queue behind whatever it sends on the same association (aiortc
        sends in order across channels), so a page crossing a slow link would otherwise look
        like silence.
        """
        self._liveness.heard(self._loop.time())

    def _on_channel_message(self, data: str | bytes) -> None:
        if self._done:
            return
        self.peer_spoke()
        try:
            message = decode_message(data)
        except msgspec.DecodeError as error:
            logger.warning("control < dropped a message: %s", error)
            return
        if isinstance(message, Heartbeat):
            return
        try:
            self._on_message(message)
        except Exception:
            # An exception escaping into aiortc's receive path would tear down SCTP: log it.
            logger.exception("control = handling %s failed", type(message).__name__)

    def _on_channel_close(self) -> None:
        self._lose("the control channel closed")

    def _lose(self, reason: str) -> None:
        if self._done:
            return
        self._done = True
        self._wake.set()
        logger.info("control = peer lost: %s", reason)
        self._on_lost(reason)
