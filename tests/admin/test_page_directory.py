"""The 窓口の設定 view in Debian's Chromium, headless: an admin edits hours and a translation."""

from __future__ import annotations

from playwright.async_api import Page, expect

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .browser import needs_chromium, shot, sign_in

pytestmark = needs_chromium
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def open_directory(page: Page, hub: RunningHub, username: str) -> None:
    await sign_in(page, hub, username)
    await page.click("#tabs a[href='#directory']")


async def test_an_admin_edits_hours_and_a_translation_which_reach_the_store_and_the_audit(
    hub: RunningHub, page: Page
) -> None:
    await open_directory(page, hub, "admin")
    zeimu = page.locator("#department-table tr[data-department='zeimu']")
    await expect(zeimu.locator("td.hours")).to_have_text("月〜日 00:00-24:00")
    await zeimu.locator("button.edit").click()
    form = page.locator("#department-form")
    await expect(form.locator("[name=name-ja]")).to_have_value("税務課")
    await expect(form.locator("[name=entry_id]")).to_have_js_property("readOnly", True)

    # The server's refusal is shown in the form, and nothing is saved.
    await form.locator("[name=hours-mon]").fill("8:30-17:15")
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".error")).to_contain_text("保存できません")
    await expect(form.locator(".error")).to_contain_text("bad opening span '8:30-17:15'")

    for day in ("mon", "tue", "wed", "thu", "fri"):
        await form.locator(f"[name=hours-{day}]").fill("08:30-12:00, 13:00-17:15")
    await form.locator("[name=hours-sat]").fill("")
    await form.locator("[name=hours-sun]").fill("")
    await form.locator("[name=closed_dates]").fill("12-29, 12-30, 12-31")
    await form.locator("[name=national_holidays_closed]").check()
    await expect(form.locator(".error")).to_be_empty()  # cleared as the form was corrected
    await shot(page, "departments")
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        await form.locator("button[type=submit]").click()
        await expect(form).to_be_hidden()
        await kiosk.expect(p.Directory)  # the kiosk had it before the page redrew
    await expect(zeimu.locator("td.hours")).to_have_text("月〜金 08:30-12:00, 13:00-17:15")

    juminzei = page.locator("#category-table tr[data-category='juminzei']")
    await juminzei.locator("button.edit").click()
    category_form = page.locator("#category-form")
    await expect(category_form.locator("[name=department_id]")).to_have_value("zeimu")
    await category_form.locator("[name=name-en]").fill("Resident tax (city)")
    await category_form.locator("button[type=submit]").click()
    await expect(juminzei).to_contain_text("Resident tax (city)")

    store = await hub.store()
    try:
        city = await store.load_directory()
    finally:
        await store.close()
    department = city.department("zeimu")
    category = city.category("juminzei")
    assert department is not None
    assert category is not None
    assert department.hours.weekly == {
        day: ["08:30-12:00", "13:00-17:15"] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    assert department.hours.closed_dates == ["12-29", "12-30", "12-31"]
    assert department.hours.national_holidays_closed is True
    assert category.names["en"] == "Resident tax (city)"
    assert category.names["ja"] == "住民税"

    await page.click("#tabs a[href='#audit']")
    audit = page.locator("#audit-table")
    await expect(audit.locator("tr[data-action='category_saved']")).to_contain_text(
        "相談の種類の保存"
    )
    await expect(audit.locator("tr[data-action='department_saved']")).to_contain_text("課の保存")
    await expect(audit).to_contain_text("変更後 \u203a 名前 English: Resident tax (city)")


async def test_an_admin_is_told_why_a_used_department_cannot_be_deleted(
    hub: RunningHub, page: Page
) -> None:
    await open_directory(page, hub, "admin")
    zeimu = page.locator("#department-table tr[data-department='zeimu']")
    await zeimu.locator("button.delete").click()  # the confirm dialog is accepted
    await expect(page.locator("#directory-status")).to_contain_text(
        "削除できません: department 'zeimu' is used by categories juminzei, zei-shomei"
    )
    await expect(zeimu).to_be_visible()


async def test_an_admin_moves_a_topic_down_and_the_kiosk_gets_the_new_order(
    hub: RunningHub, page: Page
) -> None:
    await open_directory(page, hub, "admin")
    rows = page.locator("#category-table tbody tr")
    await expect(rows.first).to_have_attribute("data-category", "juminhyo")
    await expect(rows.first.locator("button.up")).to_be_disabled()
    await expect(rows.last.locator("button.down")).to_be_disabled()
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        await rows.first.locator("button.down").click()
        pushed = await kiosk.expect(p.Directory)
    assert [c.id for c in pushed.categories][:2] == ["tennyu-tenshutsu", "juminhyo"]
    await expect(rows.nth(1)).to_have_attribute("data-category", "juminhyo")
    await expect(page.locator("#directory-status")).to_contain_text("順番を変えました")


async def test_a_supervisor_sees_the_directory_read_only(hub: RunningHub, page: Page) -> None:
    await open_directory(page, hub, "yamada")
    shimin = page.locator("#department-table tr[data-department='shimin']")
    await expect(shimin).to_contain_text("市民課")
    await expect(shimin.locator("button.delete")).to_have_count(0)
    await expect(shimin.locator("button.down")).to_have_count(0)
    await expect(page.locator("#department-new")).to_be_hidden()
    await shimin.locator("button.edit").click()
    form = page.locator("#department-form")
    await expect(form.locator("button[type=submit]")).to_be_hidden()
    await expect(form.locator("[name=name-en]")).to_have_value("Citizens' Affairs")
    await expect(form.locator("[name=name-en]")).to_be_disabled()
    await expect(form.locator("[name=hours-mon]")).to_be_disabled()


async def test_reopening_the_tab_keeps_unchanged_rows_so_a_click_on_them_is_not_lost(
    hub: RunningHub, page: Page
) -> None:
    """A row rebuilt between a click's mousedown and mouseup swallows the click, as the tab's
    fresh data lands: rows whose content is the same stay the same elements; changed ones are
    redrawn."""
    await open_directory(page, hub, "admin")
    rows = ["#department-table tr[data-department='zeimu']", "#outcome-table tr[data-outcome]"]
    for row in rows:
        await expect(page.locator(row).first).to_be_visible()
    await page.evaluate(
        "(rows) => { window.kept = rows.map((r) => document.querySelector(r)); }", rows
    )
    await page.click("#tabs a[href='#overview']")
    async with (
        page.expect_response("**/admin/api/services") as services,
        page.expect_response("**/admin/api/outcome-codes") as outcome_codes,
    ):
        await page.click("#tabs a[href='#directory']")
    for response in (await services.value, await outcome_codes.value):
        await response.finished()
    await page.evaluate(TWO_FRAMES)  # the rows from those answers are drawn
    assert await page.evaluate("() => window.kept.map((row) => row.isConnected)") == [True, True]

    outcomes = page.locator("#outcome-table tr[data-outcome]")
    first = await outcomes.first.get_attribute("data-outcome")
    await outcomes.first.locator("button.down").click()
    await expect(outcomes.nth(1)).to_have_attribute("data-outcome", first or "")  # redrawn
    assert await page.evaluate("() => window.kept[1].isConnected") is False
