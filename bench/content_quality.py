"""How sharp a shared page of small Japanese text arrives, with aiortc's defaults and tuned.

    .venv/bin/python -m bench.content_quality            # about four minutes
    .venv/bin/python -m bench.content_quality --quick    # a shorter run, for a smoke test

A dense 1920x1080 page of 12-16 px Japanese (Pillow and Noto Sans CJK) is sent as a content
track at 5 fps between two real aiortc peers over loopback, max-bundle, one configuration after
the other in the same run:

- aiortc default: aiortc as it comes (VP8, bitrate following REMB, at most 1.5 Mbps, and
  aioice's socket buffers);
- pinned VP8: `call.video_tuning.tune_content_transceiver`, VP8 pinned at 3 Mbps on the
  content sender, nothing else;
- pinned + buffers: and `enlarge_socket_buffers` (4 MiB asked) on both peers' ICE sockets;
- pinned + pacer: and `pace_sender` (2.5 x 3 Mbps) instead of the larger buffers.

The page changes as a document does while staff talk through it: it stays still, then scrolls
by a few lines, every `--scroll-every` seconds. Each received frame is compared with the page
state it shows (the closest of the states sent), after `--settle` seconds, with PSNR over RGB
and SSIM on luma (Wang et al. 2004: 11x11 Gaussian, sigma 1.5). The ceiling is the same page
only converted to 4:2:0 YUV and back, which every VP8 stream pays. CPU is `time.process_time`
for both peers together, as a percentage of one core.
"""

# Japanese text is set with full-width punctuation, which RUF001 takes for look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import av
import cv2
import numpy as np
import numpy.typing as npt
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
)
from aiortc.mediastreams import VIDEO_TIME_BASE
from PIL import Image, ImageDraw

from call.pictures import cjk_font
from call.video_tuning import (
    CONTENT_BITRATE,
    enlarge_socket_buffers,
    pace_sender,
    socket_buffers,
    tune_content_transceiver,
)

Rgb = npt.NDArray[np.uint8]

SIZE: Final = (1920, 1080)
FPS: Final = 5
SCROLL_LINES: Final = 3
LINES: Final = (
    "住民票の写しの交付申請書（本人・同一世帯員用）　令和７年４月１日現在",
    "申請者の氏名・住所・生年月日を記入し、本人確認書類を窓口で提示してください。",
    "マイナンバー（個人番号）の記載を希望する場合は、□にチェックを入れてください。",
    "代理人による申請の場合は委任状が必要です。郵送請求は手数料の定額小為替を同封。",
    "児童手当・子ども医療費助成の受給資格は、所得額と扶養人数により異なります。",
    "国民健康保険税の減免申請：失業・災害・所得の著しい減少の場合、証明書類を添付。",
    "転入届は新しい住所に住み始めてから１４日以内に届け出てください（窓口３番）。",
    "印鑑登録証明書１通３００円、戸籍謄本４５０円、除籍謄本７５０円、住民票２００円。",
)


def render_document(lines: int = 120) -> Rgb:
    """A long form-like document, taller than the screen, to scroll through."""
    line_height = 22
    page = Image.new("RGB", (SIZE[0], lines * line_height + 40), "white")
    draw = ImageDraw.Draw(page)
    for number in range(lines):
        y = 20 + number * line_height
        size = 12 + number % 5  # 12 to 16 px
        text = f"{number + 1:>3}. " + LINES[number % len(LINES)]
        colour = (160, 0, 0) if number % 10 == 0 else (0, 0, 0)  # red headings: chroma too
        draw.text((24, y), text, font=cjk_font(size), fill=colour)
        draw.text(
            (SIZE[0] // 2 + 12, y),
            LINES[(number * 3) % len(LINES)],
            font=cjk_font(size),
            fill=(0, 0, 0),
        )
        if number % 4 == 3:
            draw.line((20, y + line_height - 2, SIZE[0] - 20, y + line_height - 2), fill=(120,) * 3)
    draw.line((SIZE[0] // 2, 0, SIZE[0] // 2, page.height), fill=(0, 0, 0), width=1)
    return np.asarray(page)


class ScrollingPage(MediaStreamTrack):
    """The document at 5 fps: still, then a few lines further on, every `scroll_every` s."""

    kind = "video"

    def __init__(self, document: Rgb, scroll_every: float) -> None:
        super().__init__()
        self.document = document
        self.scroll_every = scroll_every
        self.offsets = list(range(0, document.shape[0] - SIZE[1], SCROLL_LINES * 22))
        self._count = 0
        self._start: float | None = None

    def view(self, offset: int) -> Rgb:
        return np.ascontiguousarray(self.document[offset : offset + SIZE[1]])

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._count / FPS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        step = int(self._count / FPS / self.scroll_every) % len(self.offsets)
        frame = av.VideoFrame.from_ndarray(self.view(self.offsets[step]), format="rgb24")
        frame.pts, frame.time_base = self._count * (90000 // FPS), VIDEO_TIME_BASE
        self._count += 1
        return frame


def psnr(reference: Rgb, image: Rgb) -> float:
    error = np.mean((reference.astype(np.float64) - image.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255**2 / error))


def ssim(reference: Rgb, image: Rgb) -> float:
    """Mean SSIM on luma, with the constants of Wang et al. 2004."""
    x = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY).astype(np.float64)
    y = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(cv2.GaussianBlur(a, (11, 11), 1.5), dtype=np.float64)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    ratio = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(ratio.mean())


def yuv420_roundtrip(image: Rgb) -> Rgb:
    frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


@dataclass
class Result:
    name: str
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    frames: int = 0
    cpu: float = 0.0
    packets_lost: int = 0
    kernel_drops: int | None = None
    bitrate: float = 0.0
    buffers: str = ""


async def run(
    name: str, *, pin: bool, buffers: bool, pacer: bool, args: argparse.Namespace, document: Rgb
) -> Result:
    config = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    sender, receiver = RTCPeerConnection(config), RTCPeerConnection(config)
    page = ScrollingPage(document, args.scroll_every)
    transceiver = sender.addTransceiver(page, direction="sendonly")
    if pin:
        tune_content_transceiver(transceiver, CONTENT_BITRATE)
    result = Result(name)
    received: asyncio.Queue[tuple[float, av.VideoFrame]] = asyncio.Queue()

    @receiver.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        async def pull() -> None:
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                received.put_nowait((time.monotonic(), frame))

        tasks.append(asyncio.create_task(pull()))

    tasks: list[asyncio.Task[None]] = []
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    if buffers:
        enlarge_socket_buffers(sender)
        enlarge_socket_buffers(receiver)
    granted = socket_buffers(receiver)[0]
    result.buffers = f"{granted.receive // 1024}/{granted.send // 1024} KiB"
    await sender.setRemoteDescription(receiver.localDescription)
    if pacer:
        pace_sender(transceiver.sender, CONTENT_BITRATE)

    measure_from = time.monotonic() + args.settle
    kept: list[av.VideoFrame] = []
    cpu_from = wall_from = 0.0
    bytes_from = 0
    while (now := time.monotonic()) < measure_from + args.duration:
        try:
            arrived, frame = await asyncio.wait_for(received.get(), 1.0)
        except TimeoutError:
            continue
        if arrived < measure_from:
            continue
        if not kept:
            cpu_from, wall_from = time.process_time(), now
            bytes_from = await bytes_sent(sender)
        kept.append(frame)  # scored after the run, so scoring costs neither CPU nor packets
    if kept:
        elapsed = time.monotonic() - wall_from
        result.cpu = 100 * (time.process_time() - cpu_from) / elapsed
        result.bitrate = 8 * (await bytes_sent(sender) - bytes_from) / elapsed
    result.packets_lost = await packets_lost(receiver)
    result.kernel_drops = udp_drops({b.address[1] for b in socket_buffers(receiver)})
    for task in tasks:
        task.cancel()
    await asyncio.gather(sender.close(), receiver.close())
    await asyncio.gather(*tasks, return_exceptions=True)
    views = {offset: page.view(offset) for offset in page.offsets}
    for frame in kept:
        image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
        if image.shape[:2] != (SIZE[1], SIZE[0]):
            continue
        best_psnr, best_offset = max(
            (psnr(view, image), offset) for offset, view in nearby(views, image)
        )
        result.psnr.append(best_psnr)
        result.ssim.append(ssim(views[best_offset], image))
        result.frames += 1
    return result


def nearby(views: dict[int, Rgb], image: Rgb) -> list[tuple[int, Rgb]]:
    """The few page states worth scoring: those whose top rows look like the frame's."""
    top = image[:64].astype(np.int32)
    ranked = sorted(views.items(), key=lambda item: float(np.abs(item[1][:64] - top).mean()))
    return ranked[:3]


async def bytes_sent(pc: RTCPeerConnection) -> int:
    report = await pc.getStats()
    return sum(
        getattr(stat, "bytesSent", 0) for stat in report.values() if stat.type == "outbound-rtp"
    )


async def packets_lost(pc: RTCPeerConnection) -> int:
    report = await pc.getStats()
    return sum(
        getattr(stat, "packetsLost", 0) for stat in report.values() if stat.type == "inbound-rtp"
    )


def udp_drops(ports: set[int]) -> int | None:
    """Datagrams the kernel dropped on these local ports for want of buffer space (Linux)."""
    drops = 0
    for table in (Path("/proc/net/udp"), Path("/proc/net/udp6")):
        if not table.exists():
            return None
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) in ports:
                drops += int(fields[-1])
    return drops


def summary(values: list[float], digits: int) -> str:
    if not values:
        return "-"
    array = np.array(values)
    return f"{np.median(array):.{digits}f} (p10 {np.percentile(array, 10):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per run")
    parser.add_argument("--settle", type=float, default=6.0, help="seconds skipped first")
    parser.add_argument("--scroll-every", type=float, default=4.0)
    parser.add_argument("--quick", action="store_true", help="settle 3 s, measure 6 s")
    args = parser.parse_args()
    if args.quick:
        args.settle, args.duration = 3.0, 6.0
    document = render_document()
    first_view = np.ascontiguousarray(document[: SIZE[1]])
    ceiling = yuv420_roundtrip(first_view)

    results = [
        asyncio.run(run(name, **tweaks, args=args, document=document))
        for name, tweaks in (
            ("aiortc default", {"pin": False, "buffers": False, "pacer": False}),
            ("pinned VP8", {"pin": True, "buffers": False, "pacer": False}),
            ("pinned + buffers", {"pin": True, "buffers": True, "pacer": False}),
            ("pinned + pacer", {"pin": True, "buffers": False, "pacer": True}),
        )
    ]

    print(
        f"1920x1080 Japanese text (12-16 px) at {FPS} fps, scrolling every "
        f"{args.scroll_every:g} s; settle {args.settle:g} s, measure {args.duration:g} s"
    )
    rows = [
        (
            "PSNR dB, median (p10)",
            [summary(r.psnr, 1) for r in results],
            f"{psnr(first_view, ceiling):.1f}",
        ),
        (
            "SSIM luma, median (p10)",
            [summary(r.ssim, 4) for r in results],
            f"{ssim(first_view, ceiling):.4f}",
        ),
        ("frames scored", [str(r.frames) for r in results], ""),
        ("sent kbit/s", [f"{r.bitrate / 1000:.0f}" for r in results], ""),
        ("frames under 30 dB", [str(sum(p < 30 for p in r.psnr)) for r in results], ""),
        ("received fps", [f"{r.frames / args.duration:.1f}" for r in results], ""),
        ("packets lost (aiortc stats)", [str(r.packets_lost) for r in results], ""),
        ("kernel drops at the receiver", [str(r.kernel_drops) for r in results], ""),
        ("CPU % of a core (both ends)", [f"{r.cpu:.0f}" for r in results], ""),
        ("socket rcv/snd buffers", [r.buffers for r in results], ""),
    ]
    header = ["", *(r.name for r in results), "4:2:0 ceiling"]
    table = [header, *([label, *cells, ceiling_cell] for label, cells, ceiling_cell in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
