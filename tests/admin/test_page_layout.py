"""Every view of the admin page at 1366x768 and 1920x1080, in Debian's Chromium: nothing sticks
out of its box or is cut off, and no code the hub stores (completed, login_failed, resolved,
staff, …) is on screen where its Japanese label belongs. Dates read yyyy/mm/dd."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from signaling import protocol as p
from signaling.admin import directory_edit
from signaling.directory import Department
from signaling.store import Store
from tests.fixtures.hub import RunningHub
from tests.participant import Participant, eventually

from .admin_hub import start_admin_hub
from .browser import needs_chromium, shot, sign_in

pytestmark = needs_chromium

VIEWPORTS = [(1366, 768), (1920, 1080)]
VIEWS = [
    "overview", "kiosks", "queues", "calls", "history", "directory", "translations", "manage",
    "audit",
]  # fmt: skip
YMD = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$")

# What sticks out of its box, what a box cuts off, and which raw codes show, found by the page.
_SCRIPT = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8").splitlines()
INSPECT = "\n".join(line for line in _SCRIPT if not line.startswith("//"))  # a bare function


async def raw_codes(hub: RunningHub) -> list[str]:
    """Every code the page might show: the protocol's, the city's and the audit log's."""
    store: Store = await hub.store()
    try:
        directory = await store.load_directory()
        actions = {entry.action for entry in await store.list_audit(limit=1000)}
    finally:
        await store.close()
    codes = {*p.EndReason, *p.Role, *p.Presence, *p.KioskActivity, *p.DeviceHealth}
    codes |= {o.code for o in directory.outcome_codes} | actions
    codes |= {"wrong_password", "unknown_user", "password_change_required", "offline", "poor"}
    return sorted(codes)


async def a_consultation_and_a_failed_sign_in(hub: RunningHub, page: Page) -> None:
    """History with a wrap-up, and an audit log with a refusal, to show on the page."""
    await page.goto(f"{hub.http}/admin/")
    await page.fill("#login-form [name=username]", "admin")
    await page.fill("#login-form [name=password]", "not-the-password")
    await page.click("#login-form button")
    await expect(page.locator("#login-error")).not_to_be_empty()
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        await kiosk.send(p.HangUp(session_id=queued.session_id))
        await kiosk.expect(p.SessionEnded)
        await tanaka.send(p.WrapUp(session_id=queued.session_id, outcome_code="resolved"))
        await tanaka.expect(p.WrapUpSaved)

    async def stored() -> bool:
        store = await hub.store()
        try:
            records = await store.list_consultations()
        finally:
            await store.close()
        return bool(records) and records[0].outcome_code == "resolved"

    await eventually(stored)


async def inspect(page: Page, codes: list[str], where: str) -> list[str]:
    problems: list[Any] = await page.evaluate(INSPECT, codes)
    return [f"{where}: {problem}" for problem in problems]


async def test_every_view_fits_both_screens_and_shows_no_raw_code(
    hub: RunningHub, page: Page
) -> None:
    await a_consultation_and_a_failed_sign_in(hub, page)
    await sign_in(page, hub)
    codes = await raw_codes(hub)
    problems: list[str] = []
    for width, height in VIEWPORTS:
        await page.set_viewport_size({"width": width, "height": height})
        for view in VIEWS:
            await page.click(f"#tabs a[href='#{view}']")
            await expect(page.locator(f"#view-{view}")).to_be_visible()
            if view == "history":
                await expect(page.locator("#history-table tbody tr")).to_have_count(1)
                await expect(page.locator("#history-table tbody td").first).to_have_text(YMD)
                await expect(page.locator("#history-table tbody")).to_contain_text("解決")
                await expect(page.locator("#history-table tbody")).to_contain_text("完了")
                await page.locator("#history-table tbody tr").click()
            if view == "audit":
                await expect(page.locator("#audit-table")).to_contain_text("ログイン失敗")
                await expect(page.locator("#audit-table")).to_contain_text("パスワード誤り")
            if view == "directory":
                await expect(page.locator("#outcome-table tbody tr")).to_have_count(5)
            if view == "translations":
                await expect(page.locator("#translation-table tr[data-row]").first).to_be_visible()
                await expect(page.locator("#completeness [data-lang]")).to_have_count(6)
            if view == "manage":
                await expect(page.locator("#manage-accounts tbody tr").first).to_be_visible()
            await page.wait_for_timeout(300)  # the live socket's next push lands
            problems += await inspect(page, codes, f"{view} at {width}x{height}")
        # The editors, open beside their lists.
        await page.click("#tabs a[href='#manage']")
        await page.locator("#manage-accounts tr[data-username='tanaka'] button.edit").click()
        await expect(page.locator("#account-edit")).to_be_visible()
        problems += await inspect(page, codes, f"account editor at {width}x{height}")
        if width == 1366:
            await shot(page, "accounts")
        await page.click("#tabs a[href='#directory']")
        await page.locator("#outcome-table tr[data-outcome='resolved'] button.edit").click()
        await expect(page.locator("#outcome-form")).to_be_visible()
        problems += await inspect(page, codes, f"outcome editor at {width}x{height}")
        await page.locator("#outcome-form .close").click()
        await page.click("#tabs a[href='#translations']")
        for details in await page.locator("#completeness details").all():
            await details.locator("summary").click()  # the lists of what is missing, open
        await page.click("#staff-message-new")
        await expect(page.locator("#staff-message-form")).to_be_visible()
        problems += await inspect(page, codes, f"staff message editor at {width}x{height}")
        await page.locator("#staff-message-form .close").click()
    assert problems == []


async def test_every_department_is_offered_when_creating_or_changing_an_account(
    hub: RunningHub, page: Page
) -> None:
    """The 担当課 list was a <select multiple> that showed five; the city has more."""
    for n in range(6):  # eleven departments in all
        await put_department(hub, f"extra-{n}", f"追加課{n + 1}")
    await sign_in(page, hub)
    await page.set_viewport_size({"width": 1366, "height": 768})
    await page.click("#tabs a[href='#manage']")
    checks = page.locator("#account-form .department-checks input")
    count = await checks.count()
    assert count >= 11
    for index in range(count):
        assert await checks.nth(index).is_visible()
    last = page.locator("#account-form .department-checks label").last
    await last.scroll_into_view_if_needed()
    await expect(last).to_have_text("追加課6")
    problems = await inspect(page, [], "account form with eleven departments")
    assert problems == []


async def put_department(hub: RunningHub, department_id: str, name: str) -> None:
    store = await hub.store()
    try:
        department = Department(id=department_id, names={"ja": name})
        await store.edit_directory(directory_edit.put_department(department), actor="test", now=0)
    finally:
        await store.close()


async def test_dates_are_typed_and_shown_as_yyyy_mm_dd(hub: RunningHub, page: Page) -> None:
    await sign_in(page, hub)
    form = page.locator("#period-form")
    assert await form.locator("input[type=date]").count() == 0
    await form.locator("[name=from]").fill("2026/4/1")
    await form.locator("[name=to]").fill("2026-04-30")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#kpi-period")).to_have_text("2026/04/01 〜 2026/04/30")
    await expect(form.locator("[name=from]")).to_have_value("2026/04/01")
    await form.locator("[name=to]").fill("04/30/2026")  # a browser's US order is refused
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".error")).to_contain_text("yyyy/mm/dd")
    await expect(page.locator("#kpi-period")).to_have_text("2026/04/01 〜 2026/04/30")


async def test_the_check_finds_what_sticks_out_what_is_cut_off_and_raw_codes(
    hub: RunningHub, page: Page
) -> None:
    """The check above is only as good as this: each fault, planted, is found."""
    await sign_in(page, hub)
    await page.evaluate(
        """() => {
          const main = document.querySelector('main');
          const clip = document.createElement('div');
          clip.style.cssText = 'width: 50px; height: 20px; overflow: hidden';
          clip.textContent = '窓口'.repeat(40);
          const narrow = document.createElement('div');
          narrow.style.cssText = 'width: 40px';
          const wide = document.createElement('span');
          wide.style.cssText = 'display: inline-block; width: 400px';
          wide.textContent = '完了';
          narrow.append(wide);
          const raw = document.createElement('p');
          raw.textContent = '終了理由: network_lost';
          main.prepend(clip, narrow, raw);
        }"""
    )
    problems = await inspect(page, ["network_lost"], "planted")
    assert any("cuts off its content" in problem for problem in problems), problems
    assert any("span sticks out of div" in problem for problem in problems), problems
    assert any('raw code "network_lost"' in problem for problem in problems), problems


async def test_a_city_that_wants_the_japanese_era_sees_its_dates_so(
    tmp_path: Path, aiohttp_server: Any, page: Page
) -> None:
    hub = await start_admin_hub(tmp_path / "era", aiohttp_server, admin_date_style="japanese_era")
    await a_consultation_and_a_failed_sign_in(hub, page)
    await sign_in(page, hub)
    await page.click("#tabs a[href='#history']")
    first_cell = page.locator("#history-table tbody td").first
    await expect(first_cell).to_have_text(re.compile(r"^令和(元|\d+)年\d{2}月\d{2}日 \d{2}:\d{2}$"))
    await page.click("#tabs a[href='#audit']")
    await expect(page.locator("#audit-table tbody td").first).to_have_text(re.compile(r"^令和"))
