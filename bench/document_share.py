"""Document pages over the content channel: render, encode and transfer, next to a raw baseline.

For a dense 1080p Japanese form (12 px 漢字 in ruled boxes, tests/call/fixtures) and a scan-like
copy of it (slightly blurred, with sensor noise), this prints:

1. render time: the form as a PNG document and as a page of a raster PDF, fit to 1920x1080;
2. encoded size and time: lossless WebP at the effort `encode_page` picks and at others, PNG at
   the fallback level and at Pillow's default, and the viewer's decode time;
3. transfer over a real aiortc data channel on loopback: page arrival latency, from
   `PageSender.send_page` to `PageReady` on the viewer (sha256 and decode included), and MB/s.
   The baseline, measured in the same run on its own connection, is the same bytes as raw
   256 KiB messages with the same backpressure and no protocol, hashing or decoding;
4. how long a pointer mark takes with the channel idle, and while a large page streams.

Both peers share this process and its one event loop, so the CPU is shared too. Transfers run
twice: with the OS's default UDP receive buffer, and with 4 MiB ICE socket buffers.

Run from the repository root:
    .venv/bin/python -m bench.document_share
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import aioice.ice
import numpy as np
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection
from PIL import Image, ImageFilter

from call.content_messages import MAX_MESSAGE_BYTES, Marks, Pointer
from call.data_channels import create_content_channel
from call.document import EncodedPage, PageFormat, decode_page, encode_page, open_document
from call.page_receiver import ContentEvent, PageReady, PageReceiver
from call.page_sender import HIGH_WATER, LOW_WATER, PageSender
from tests.call.fixtures.japanese_form import japanese_form

DISPLAY = (1920, 1080)
BIG_BUFFER = 4 * 1024 * 1024


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def scan_of(image: Image.Image) -> Image.Image:
    """The page as a scanner or phone would give it: a little blur and sensor noise."""
    rng = np.random.default_rng(0)
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(0.7))).astype(np.int16)
    noisy = blurred + rng.normal(0, 3, blurred.shape).astype(np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def encode_with(image: Image.Image, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def bench_render(form: Image.Image, repeat: int) -> None:
    print("## Render, fit to 1920x1080 (median ms)")
    with TemporaryDirectory() as tmp:
        png, pdf = Path(tmp) / "form.png", Path(tmp) / "form.pdf"
        form.save(png)
        form.save(pdf, "PDF", resolution=150, save_all=True, append_images=[form, form])
        for name, path in (("PNG document", png), ("raster PDF page", pdf)):
            with open_document(path) as document:
                ms = median_ms(partial(document.render_page, 0, DISPLAY), repeat)
                size = document.render_page(0, DISPLAY).size
            print(f"  {name:16} {size[0]}x{size[1]}  {ms:6.1f} ms")


def bench_encode(pages: dict[str, Image.Image], repeat: int) -> None:
    print("\n## Encode, lossless (size, median encode ms, median decode ms)")
    variants: list[tuple[str, dict[str, Any]]] = [
        ("WebP m0 q50", {"format": "WEBP", "lossless": True, "method": 0, "quality": 50}),
        ("WebP m1 q75", {"format": "WEBP", "lossless": True, "method": 1, "quality": 75}),
        ("WebP m4 q90", {"format": "WEBP", "lossless": True, "method": 4, "quality": 90}),
        ("PNG level 3", {"format": "PNG", "compress_level": 3}),
        ("PNG level 6", {"format": "PNG", "compress_level": 6}),
    ]
    for name, image in pages.items():
        chosen = encode_page(image)
        chosen_ms = median_ms(partial(encode_page, image), repeat)
        decode_ms = median_ms(partial(decode_page, chosen.data, chosen.format), repeat)
        print(f"  {name}: encode_page -> {chosen.format} {len(chosen.data) / 1e3:7.0f} KB "
              f"{chosen_ms:6.0f} ms, decode {decode_ms:4.0f} ms")  # fmt: skip
        for label, options in variants:
            data = encode_with(image, **options)
            ms = median_ms(partial(encode_with, image, **options), repeat)
            print(f"    {label:12} {len(data) / 1e3:7.0f} KB {ms:6.0f} ms")


@dataclass
class Pair:
    staff_pc: RTCPeerConnection
    kiosk_pc: RTCPeerConnection
    staff: RTCDataChannel
    kiosk: RTCDataChannel

    async def close(self) -> None:
        await self.staff_pc.close()
        await self.kiosk_pc.close()


async def connect(receive_buffer: int | None) -> Pair:
    """Two peers in this process over 127.0.0.1 with an open content channel."""
    config = RTCConfiguration(iceServers=[])
    staff_pc, kiosk_pc = RTCPeerConnection(config), RTCPeerConnection(config)
    opened: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    kiosk_pc.on("datachannel", opened.set_result)
    staff = create_content_channel(staff_pc)
    await staff_pc.setLocalDescription(await staff_pc.createOffer())
    await kiosk_pc.setRemoteDescription(staff_pc.localDescription)
    await kiosk_pc.setLocalDescription(await kiosk_pc.createAnswer())
    await staff_pc.setRemoteDescription(kiosk_pc.localDescription)
    if receive_buffer is not None:
        for pc in (staff_pc, kiosk_pc):
            # The same aioice internals the engine's socket tuning reaches
            # (docs/video.md, The tweaks).
            assert pc.sctp is not None
            for protocol in pc.sctp.transport.transport.iceGatherer._connection._protocols:
                sock = protocol.transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    kiosk = await asyncio.wait_for(opened, 10)
    if staff.readyState != "open":
        staff_open = asyncio.Event()
        staff.on("open", staff_open.set)
        await asyncio.wait_for(staff_open.wait(), 10)
    return Pair(staff_pc, kiosk_pc, staff, kiosk)


async def raw_transfer_s(pair: Pair, data: bytes) -> float:
    """The baseline: `data` as plain max-size messages with the same backpressure."""
    received = 0
    done = asyncio.Event()
    drained = asyncio.Event()

    def on_message(message: bytes | str) -> None:
        nonlocal received
        received += len(message)
        if received >= len(data):
            done.set()

    pair.kiosk.on("message", on_message)
    pair.staff.bufferedAmountLowThreshold = LOW_WATER
    pair.staff.on("bufferedamountlow", drained.set)
    start = time.perf_counter()
    for offset in range(0, len(data), MAX_MESSAGE_BYTES):
        while pair.staff.bufferedAmount > HIGH_WATER:
            drained.clear()
            await drained.wait()
        pair.staff.send(data[offset : offset + MAX_MESSAGE_BYTES])
    await done.wait()
    elapsed = time.perf_counter() - start
    pair.kiosk.remove_listener("message", on_message)
    pair.staff.remove_listener("bufferedamountlow", drained.set)
    return elapsed


class Viewer:
    """The kiosk end: a PageReceiver whose events resolve futures the bench waits on."""

    def __init__(self, channel: RTCDataChannel) -> None:
        self.receiver = PageReceiver(channel, self._on_event)
        self.page: asyncio.Future[float] | None = None
        self.mark: asyncio.Future[float] | None = None

    def expect_page(self) -> asyncio.Future[float]:
        self.page = asyncio.get_running_loop().create_future()
        return self.page

    def expect_mark(self) -> asyncio.Future[float]:
        self.mark = asyncio.get_running_loop().create_future()
        return self.mark

    def _on_event(self, event: ContentEvent) -> None:
        future = self.page if isinstance(event, PageReady) else self.mark
        if isinstance(event, PageReady | Marks) and future is not None and not future.done():
            future.set_result(time.perf_counter())


async def page_latency_s(sender: PageSender, viewer: Viewer, page: EncodedPage) -> float:
    arrived = viewer.expect_page()
    start = time.perf_counter()
    await sender.send_page("bench", 0, 1, page)
    return await asyncio.wait_for(arrived, 30) - start


async def mark_latency_s(sender: PageSender, viewer: Viewer) -> float:
    arrived = viewer.expect_mark()
    start = time.perf_counter()
    sender.send_marks("bench", 0, [Pointer(x=0.5, y=0.5)])
    return await asyncio.wait_for(arrived, 30) - start


async def mark_behind_page_s(sender: PageSender, viewer: Viewer, page: EncodedPage) -> float:
    """A mark sent the moment a large page pauses for backpressure: the worst queue ahead."""
    pauses = sender.stats.pauses
    transfer = asyncio.create_task(sender.send_page("bench", 0, 1, page))
    await asyncio.sleep(0)  # the transfer queues up to the cap at once, then pauses
    assert sender.stats.pauses > pauses
    latency = await mark_latency_s(sender, viewer)
    await transfer
    await asyncio.sleep(0.3)  # let the page land before the next round
    return latency


def summary(label: str, seconds: list[float], size: int | None = None) -> str:
    median, worst = statistics.median(seconds) * 1000, max(seconds) * 1000
    rate = f"  {size / statistics.median(seconds) / 1e6:5.1f} MB/s" if size else ""
    return f"    {label:28} median {median:7.1f} ms  max {worst:7.1f} ms{rate}"


async def bench_transfer(pages: dict[str, EncodedPage], repeat: int) -> None:
    for receive_buffer in (None, BIG_BUFFER):
        buffers = (
            "default UDP receive buffer" if receive_buffer is None else "4 MiB receive buffers"
        )
        print(f"\n## Transfer over aiortc on loopback, {buffers} ({repeat} runs each)")
        baseline, content = await connect(receive_buffer), await connect(receive_buffer)
        sender, viewer = PageSender(content.staff), Viewer(content.kiosk)
        try:
            for name, page in pages.items():
                size = len(page.data)
                print(f"  {name}: {page.format} {size / 1e3:.0f} KB")
                raw, ours = [], []
                for _ in range(repeat):  # interleaved, so both see the same machine load
                    raw.append(await raw_transfer_s(baseline, page.data))
                    ours.append(await page_latency_s(sender, viewer, page))
                print(summary("baseline: raw messages", raw, size))
                print(summary("send_page -> PageReady", ours, size))
            idle = [await mark_latency_s(sender, viewer) for _ in range(repeat)]
            print("  pointer mark")
            print(summary("channel idle", idle))
            big = max(pages.values(), key=lambda page: len(page.data))
            behind = [await mark_behind_page_s(sender, viewer, big) for _ in range(repeat)]
            print(summary(f"behind a {len(big.data) / 1e6:.1f} MB page", behind))
            print(f"  sender: {sender.stats}")
        finally:
            await viewer.receiver.close()
            await baseline.close()
            await content.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # aioice leaves 127.0.0.1 out of its host candidates; loopback is the point here.
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"# {os.cpu_count()} CPUs, load average {load}; Python {sys.version.split()[0]}\n")
    form = japanese_form()
    images = {"dense form": form, "scan of it": scan_of(form)}
    bench_render(form, args.repeat)
    bench_encode(images, args.repeat)
    pages = {
        "dense form": encode_page(form),
        "dense form as PNG": encode_page(form, accept=[PageFormat.PNG]),
        "scan of it": encode_page(images["scan of it"]),
    }
    await bench_transfer(pages, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
