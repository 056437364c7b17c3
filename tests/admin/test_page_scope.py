"""A ward supervisor in Debian's Chromium sees only their ward: live kiosks, staff, history."""

from __future__ import annotations

from playwright.async_api import Page, expect

from call.link import Credentials
from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .browser import WAIT_MS, needs_chromium
from .wards import B_KIOSK, B_MARKERS, SUPERVISOR, SUPERVISOR_PASSWORD, seed_two_wards

pytestmark = needs_chromium


async def test_a_ward_supervisor_sees_only_their_ward_live_and_in_the_history(
    hub: RunningHub, page: Page
) -> None:
    wards = await seed_two_wards(hub)
    chuo_kiosk = next(k for k in hub.demo.kiosks if k.name == "中央公民館")
    async with (
        Participant(hub.url, Credentials(token=wards.b_kiosk_token)) as aoba,
        Participant(hub.url, Credentials(token=chuo_kiosk.token)) as chuo,
        Participant(hub.url, hub.staff("kimura")),
        Participant(hub.url, hub.staff("tanaka")),
    ):
        await aoba.expect(p.Directory)
        await chuo.expect(p.Directory)
        await page.goto(f"{hub.http}/admin/")
        await page.fill("#login-form [name=username]", SUPERVISOR)
        await page.fill("#login-form [name=password]", SUPERVISOR_PASSWORD)
        await page.click("#login-form button")
        await expect(page.locator("#live-status")).to_have_text("ライブ", timeout=WAIT_MS)

        await page.click("#tabs a[href='#kiosks']")
        kiosks = page.locator("article.kiosk")
        await expect(kiosks).to_have_count(2, timeout=WAIT_MS)
        await expect(page.locator("article.kiosk[data-kiosk='中央公民館']")).to_have_attribute(
            "data-state", "idle", timeout=WAIT_MS
        )
        assert set(await kiosks.evaluate_all("cards => cards.map(c => c.dataset.kiosk)")) == {
            "中央公民館",
            "本町市民センター",
        }
        await page.click("#tabs a[href='#queues']")
        staff = page.locator("#staff-table")
        await expect(staff).to_contain_text("田中", timeout=WAIT_MS)
        await expect(staff).not_to_contain_text("木村")
        await expect(page.locator("#queue-table")).not_to_contain_text("北区")

        await page.click("#tabs a[href='#history']")
        rows = page.locator("#history-table tbody tr")
        await expect(rows).to_have_count(3, timeout=WAIT_MS)
        sessions = await rows.evaluate_all("rows => rows.map(r => r.dataset.session)")
        assert set(sessions) == {"c-chuo", "c-chuo-out", "c-overflow-in"}

        await page.click("#tabs a[href='#overview']")
        await expect(page.locator("#kpis")).to_be_visible()
        # Nothing of 北区 anywhere on the page: every view's text, every option of every filter.
        text = await page.evaluate("document.getElementById('app').textContent")
        options = await page.locator("option").all_text_contents()
        for shown in (text, " ".join(options)):
            assert [m for m in (*B_MARKERS, B_KIOSK) if m in shown] == []
