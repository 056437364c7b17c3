"""The admin page in Debian's Chromium, headless, against a real hub and real call engines."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import websockets
from playwright.async_api import Page, expect

from call.bot import Bot
from call.camera import CameraSettings
from call.devices import MediaSettings
from call.engine import EngineSettings, installed_version
from call.link import Credentials
from signaling import protocol as p
from signaling.admin import kpis
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually

from .admin_hub import password
from .browser import WAIT_MS, needs_chromium, shot, sign_in

pytestmark = needs_chromium

WAIT_S = 2 * UNIT
ENGINE_MEDIA = MediaSettings(synthetic=True, camera=CameraSettings(width=320, height=240, fps=15))
MILLISECONDS = re.compile(r"^\d+ ms$")
POSITIVE = re.compile(r"^[1-9]\d*$")
PERCENT = re.compile(r"^\d+\.\d%$")
A_TREND = re.compile(r"^(\S+ ){3,}\S+$")  # four points or more


def kiosk_card(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"article.kiosk[data-kiosk='{name}']")


def clock(value: float | None) -> str:
    """The page's own format for a duration (admin.js seconds())."""
    assert value is not None
    s = int(value + 0.5)
    return f"{s}秒" if s < 60 else f"{s // 60}分{s % 60:02d}秒"


@contextlib.asynccontextmanager
async def engine(hub: RunningHub, credentials: Credentials) -> AsyncIterator[Bot]:
    """A headless participant on the real call engine (madoguchi-bot's), synthetic media."""
    settings = EngineSettings(
        url=hub.url,
        app="madoguchi-bot",
        media=ENGINE_MEDIA,
        backoff_initial=0.05,
        backoff_max=0.5,
    )
    bot = Bot(settings, credentials)
    await bot.engine.start()
    try:
        await bot.connected(WAIT_S)
        yield bot
    finally:
        await bot.engine.close()


async def test_an_admin_watches_a_real_call_live_and_exports_it(
    hub: RunningHub, page: Page, tmp_path: Path, loopback_ice: None
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#kiosks']")
    card = kiosk_card(page, "中央公民館")
    await expect(card).to_have_attribute("data-state", "offline")
    async with engine(hub, hub.kiosk(0)) as kiosk, engine(hub, hub.staff("tanaka")) as tanaka:
        await expect(card).to_have_attribute("data-state", "idle", timeout=WAIT_MS)
        await kiosk.engine.set_activity(p.KioskActivity.WAITING)
        await kiosk.engine.request_consultation("juminhyo", "ja")
        sid = (await kiosk.hub(p.Queued, WAIT_S)).session_id
        await expect(card).to_have_attribute("data-state", "waiting", timeout=WAIT_MS)
        await page.click("#tabs a[href='#queues']")
        await expect(page.locator("#queue-table tr.busy")).to_contain_text("市民課")
        await shot(page, "queues")

        await tanaka.hub(p.QueueSnapshot, WAIT_S, lambda m: bool(m.entries))
        await tanaka.engine.accept_next()
        for bot in (kiosk, tanaka):
            started = await bot.hub(p.SessionStarted, WAIT_S)
            assert started.session_id == sid
        await kiosk.engine.set_activity(p.KioskActivity.IN_CALL)
        await page.click("#tabs a[href='#kiosks']")
        await expect(card).to_have_attribute("data-state", "in_call", timeout=WAIT_MS)
        await expect(card.locator(".device.ok", has_text="ネットワーク")).to_have_text(
            "ネットワーク: 正常"
        )
        await expect(card).to_contain_text(f"アプリ {installed_version()}")
        await shot(page, "kiosks")

        # Each engine reports its real stats every 2 s, and rates need two samples: allow a few.
        await page.click("#tabs a[href='#calls']")
        for end in ("kiosk", "staff"):
            row = page.locator(f"#call-table tr[data-session='{sid}'][data-end='{end}']")
            await expect(row.locator(".rtt")).to_have_text(MILLISECONDS, timeout=3 * WAIT_MS)
            await expect(row.locator(".fps")).to_have_text(POSITIVE, timeout=3 * WAIT_MS)
            await expect(row.locator(".bitrate")).to_have_text(POSITIVE, timeout=3 * WAIT_MS)
            await expect(row.locator(".loss")).to_have_text(PERCENT)
            # The RTT trend line, a few reports long so that the screenshot shows one.
            trend = row.locator("svg.spark polyline")
            await expect(trend).to_have_attribute("points", A_TREND, timeout=4 * WAIT_MS)
        await expect(page.locator(f"#call-table tr[data-session='{sid}']").first).to_contain_text(
            "田中"
        )
        await shot(page, "calls")

        await tanaka.engine.hang_up()
        await kiosk.hub(p.SessionEnded, WAIT_S)
        await kiosk.engine.set_activity(p.KioskActivity.SURVEY)
        await kiosk.engine.submit_survey(4, sid)
        await kiosk.hub(p.SurveySaved, WAIT_S)
        await kiosk.engine.set_activity(p.KioskActivity.IDLE)
        await tanaka.engine.wrap_up("resolved", "住民票の写しを案内", sid)
        await tanaka.hub(p.WrapUpSaved, WAIT_S)
        await page.click("#tabs a[href='#kiosks']")
        await expect(card).to_have_attribute("data-state", "idle", timeout=WAIT_MS)

    # The KPIs on the page are the ones the stored history gives.
    store = await hub.store()

    async def surveyed() -> bool:
        records = await store.list_consultations()
        return bool(records) and None not in (records[0].survey_score, records[0].outcome_code)

    try:
        await eventually(surveyed)
        records = await store.list_consultations()
    finally:
        await store.close()
    assert [r.id for r in records] == [sid]
    expected = kpis.compute(records)
    await page.click("#tabs a[href='#overview']")
    tile = page.locator
    await expect(tile("#kpi-served .value")).to_have_text("1", timeout=WAIT_MS)
    await expect(tile("#kpi-survey .value")).to_have_text("4.0 / 5", timeout=WAIT_MS)
    await expect(tile("#kpi-avg-wait .value")).to_have_text(clock(expected.average_wait_seconds))
    await expect(tile("#kpi-p90-wait .value")).to_have_text(clock(expected.p90_wait_seconds))
    await expect(tile("#kpi-talk .value")).to_have_text(clock(expected.average_talk_seconds))
    await expect(tile("#kpi-waiting .value")).to_have_text("0")
    await expect(tile("#kpi-service-level .value")).to_have_text("100.0%")
    await expect(tile("#kpi-abandoned .value")).to_have_text("0.0%")
    await expect(tile("#kpi-transfers .value")).to_have_text("0")
    await shot(page, "overview")

    await page.click("#tabs a[href='#history']")
    history_row = page.locator(f"#history-table tr[data-session='{sid}']")
    await expect(history_row).to_contain_text("中央公民館")
    await history_row.click()
    await expect(page.locator("#history-detail")).to_contain_text("市民課")
    await shot(page, "history")
    async with page.expect_download() as download_info:
        await page.click("#csv-link")
    download = await download_info.value
    target = tmp_path / "history.csv"
    await download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "受付ID"
    assert [row[0] for row in rows[1:]] == [sid]
    (record,) = records
    assert rows[1][2:4] == ["中央公民館", "市民課"]
    assert rows[1][6] == "田中"
    assert rows[1][7:10] == [
        f"{expected.average_wait_seconds:.0f}",
        f"{record.talk_seconds:.0f}",
        "0",
    ]
    assert rows[1][11:] == ["resolved", "completed", "4"]


async def test_a_struggling_call_shows_in_warning_colours(hub: RunningHub, page: Page) -> None:
    """A bad report, made by hand: a loopback call never struggles."""
    await sign_in(page, hub)
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        sid = (await kiosk.expect(p.SessionStarted)).session_id
        good = p.TrackStats(
            kind="video", direction="inbound", fps=24, bitrate_kbps=620, packet_loss_percent=0.4
        )
        await kiosk.send(
            p.ReportStats(session_id=sid, rtt_ms=41, tracks=[good], audio_drift_ppm=-123.4)
        )
        bad = p.TrackStats(
            kind="video", direction="inbound", fps=6, bitrate_kbps=90, packet_loss_percent=12
        )
        await tanaka.send(p.ReportStats(session_id=sid, rtt_ms=480, tracks=[bad]))
        await page.click("#tabs a[href='#calls']")
        kiosk_end = page.locator(f"#call-table tr[data-session='{sid}'][data-end='kiosk']")
        staff_end = page.locator(f"#call-table tr[data-session='{sid}'][data-end='staff']")
        await expect(staff_end.locator(".rtt")).to_have_text("480 ms", timeout=WAIT_MS)
        for figure in ("rtt", "loss", "fps"):
            await expect(staff_end.locator(f".{figure}")).to_have_class(f"{figure} warn")
            await expect(kiosk_end.locator(f".{figure}")).not_to_have_class(re.compile("warn"))
        await expect(kiosk_end.locator(".rtt")).to_have_text("41 ms")
        # The kiosk's microphone clock against its speaker's, as its echo canceller measured it.
        await expect(kiosk_end.locator(".drift")).to_have_text("音声 -123 ppm")
        await expect(staff_end.locator(".drift")).to_have_count(0)
        # The kiosk's card says its network struggles: what staff lose is its upstream.
        await page.click("#tabs a[href='#kiosks']")
        card = kiosk_card(page, "中央公民館")
        await expect(card.locator(".device.poor")).to_have_text("ネットワーク: 不安定")


async def test_an_admin_registers_a_kiosk_whose_token_connects(hub: RunningHub, page: Page) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#manage']")
    await page.fill("#kiosk-form [name=name]", "東公民館")
    await page.fill("#kiosk-form [name=location]", "2階 ロビー")
    await page.click("#kiosk-form button")
    token = page.locator("#kiosk-token-text")
    await expect(token).not_to_be_empty()
    qr = page.locator("#kiosk-token-qr")
    await expect(qr).to_have_attribute("src", re.compile(r"^data:image/gif;base64,"))
    await shot(page, "manage")
    async with Participant(hub.url, Credentials(token=await token.inner_text())) as kiosk:
        assert (kiosk.welcome.role, kiosk.welcome.display_name) == (p.Role.KIOSK, "東公民館")
        await page.click("#tabs a[href='#kiosks']")
        await expect(kiosk_card(page, "東公民館")).to_have_attribute(
            "data-state", "idle", timeout=WAIT_MS
        )


async def test_an_admin_disables_a_staff_account_and_its_login_then_fails(
    hub: RunningHub, page: Page
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#manage']")
    row = page.locator("#manage-accounts tr[data-username='suzuki']")
    await row.locator("button.disable").click()
    await expect(row.locator("td.state")).to_have_text("無効")  # the state, not a button
    async with websockets.connect(hub.url) as ws:
        hello = p.Hello(
            protocol_version=p.PROTOCOL_VERSION,
            username="suzuki",
            password=password(hub, "suzuki"),
        )
        await ws.send(p.encode(hello).decode())
        refused = p.decode_server(await ws.recv())
    assert isinstance(refused, p.Error)
    assert refused.code is p.ErrorCode.ACCOUNT_DISABLED
    await page.click("#tabs a[href='#audit']")
    await expect(page.locator("#audit-table tr[data-action='account_disabled']")).to_contain_text(
        "アカウント無効化"
    )
    await shot(page, "audit")


async def test_a_supervisor_sees_no_management(hub: RunningHub, page: Page) -> None:
    await sign_in(page, hub, "yamada")
    await expect(page.locator("#tabs a[href='#manage']")).to_be_hidden()
    await expect(page.locator("#who")).to_contain_text("監督者")
