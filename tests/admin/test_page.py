"""The admin page in Debian's Chromium, headless, against a real hub with real participants."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import websockets
from playwright.async_api import Page, async_playwright, expect

from call.link import Credentials
from signaling import protocol as p
from signaling.admin import kpis
from tests.participant import UNIT, Participant, eventually
from tests.signaling.conftest import RunningHub

from .conftest import password

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")

# Set to a folder (docs/screenshots/admin) to refresh the committed screenshots.
SCREENSHOTS = os.environ.get("MADOGUCHI_ADMIN_SCREENSHOTS")
WAIT_MS = UNIT * 2000  # the page refreshes at least every 5 s, even if a push was early


@pytest.fixture
async def page(hub: RunningHub) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = await browser.new_context(
            viewport={"width": 1360, "height": 860}, locale="ja-JP", accept_downloads=True
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await browser.close()
        assert errors == []


async def sign_in(page: Page, hub: RunningHub, username: str = "admin") -> None:
    await page.goto(f"{hub.http}/admin/")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password(hub, username))
    await page.click("#login-form button")
    await expect(page.locator("#live-status")).to_have_text("ライブ", timeout=WAIT_MS)


async def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def kiosk_card(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"article.kiosk[data-kiosk='{name}']")


def clock(value: float | None) -> str:
    """The page's own format for a duration (admin.js seconds())."""
    assert value is not None
    s = int(value + 0.5)
    return f"{s}秒" if s < 60 else f"{s // 60}分{s % 60:02d}秒"


async def test_an_admin_watches_a_consultation_live_and_exports_it(
    hub: RunningHub, page: Page, tmp_path: Path
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#kiosks']")
    card = kiosk_card(page, "中央公民館")
    await expect(card).to_have_attribute("data-state", "offline")
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.send(p.ReportStatus(activity=p.KioskActivity.IDLE))
        await expect(card).to_have_attribute("data-state", "idle", timeout=WAIT_MS)
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await expect(card).to_have_attribute("data-state", "waiting", timeout=WAIT_MS)
        await page.click("#tabs a[href='#queues']")
        await expect(page.locator("#queue-table tr.busy")).to_contain_text("市民課")
        await shot(page, "queues")

        await tanaka.send(p.Accept(session_id=queued.session_id))
        sid = (await kiosk.expect(p.SessionStarted)).session_id
        await page.click("#tabs a[href='#kiosks']")
        await expect(card).to_have_attribute("data-state", "in_call", timeout=WAIT_MS)
        await kiosk.send(p.ReportStatus(activity=p.KioskActivity.IN_CALL))
        await shot(page, "kiosks")

        # Both ends report their quality as the call engine does every 2 s.
        for rtt in (38.0, 45.0, 41.0):
            video = p.TrackStats(
                kind="video", direction="inbound", fps=24, bitrate_kbps=620, packet_loss_percent=0.4
            )
            await kiosk.send(p.ReportStats(session_id=sid, rtt_ms=rtt, tracks=[video]))
        bad = p.TrackStats(
            kind="video", direction="inbound", fps=6, bitrate_kbps=90, packet_loss_percent=12
        )
        await tanaka.send(p.ReportStats(session_id=sid, rtt_ms=480, tracks=[bad]))
        await page.click("#tabs a[href='#calls']")
        kiosk_end = page.locator(f"#call-table tr[data-session='{sid}'][data-end='kiosk']")
        staff_end = page.locator(f"#call-table tr[data-session='{sid}'][data-end='staff']")
        await expect(kiosk_end.locator(".rtt")).to_have_text("41 ms", timeout=WAIT_MS)
        await expect(kiosk_end.locator(".fps")).to_have_text("24")
        await expect(kiosk_end).to_contain_text("田中")
        await expect(staff_end.locator(".rtt")).to_have_text("480 ms")
        await expect(staff_end.locator(".loss")).to_have_class("loss warn")
        await shot(page, "calls")

        await kiosk.send(p.HangUp(session_id=sid))
        await kiosk.expect(p.SessionEnded)
        await kiosk.send(p.SubmitSurvey(session_id=sid, score=4))
        await kiosk.expect(p.SurveySaved)
        await kiosk.send(p.ReportStatus(activity=p.KioskActivity.IDLE))
        await page.click("#tabs a[href='#kiosks']")
        await expect(card).to_have_attribute("data-state", "idle", timeout=WAIT_MS)

    # The KPIs on the page are the ones the stored history gives.
    store = await hub.store()

    async def surveyed() -> bool:
        records = await store.list_consultations()
        return bool(records) and records[0].survey_score is not None

    try:
        await eventually(surveyed)
        records = await store.list_consultations()
    finally:
        await store.close()
    expected = kpis.compute(records)
    await page.click("#tabs a[href='#overview']")
    tile = page.locator
    await expect(tile("#kpi-served .value")).to_have_text("1", timeout=WAIT_MS)
    await expect(tile("#kpi-survey .value")).to_have_text("4.0 / 5", timeout=WAIT_MS)
    await expect(tile("#kpi-avg-wait .value")).to_have_text(clock(expected.average_wait_seconds))
    await expect(tile("#kpi-talk .value")).to_have_text(clock(expected.average_talk_seconds))
    await expect(tile("#kpi-waiting .value")).to_have_text("0")
    await expect(tile("#kpi-service-level .value")).to_have_text("100.0%")
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
    assert rows[1][2:4] == ["中央公民館", "市民課"]
    assert rows[1][-1] == "4"


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
    await expect(row.locator("td").nth(3)).to_have_text("無効")  # the state, not a button
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
    await expect(page.locator("#audit-table")).to_contain_text("account_disabled")
    await shot(page, "audit")


async def test_a_supervisor_sees_no_management(hub: RunningHub, page: Page) -> None:
    await sign_in(page, hub, "yamada")
    await expect(page.locator("#tabs a[href='#manage']")).to_be_hidden()
    await expect(page.locator("#who")).to_contain_text("監督者")
