"""The account lifecycle on the admin page, in Debian's Chromium against a real hub: an admin
moves a staff member to other departments and a site, resets a password as temporary, and its
owner chooses a new one on the sign-in page before anything else."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .browser import WAIT_MS, needs_chromium, sign_in

pytestmark = needs_chromium


async def test_an_admin_moves_a_staff_member_to_other_departments_and_a_site(
    hub: RunningHub, page: Page
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#manage']")
    row = page.locator("#manage-accounts tr[data-username='tanaka']")
    await row.locator("button.edit").click()
    form = page.locator("#account-edit")
    await form.locator("label.check", has_text="税務課").locator("input").uncheck()
    await form.locator("label.check", has_text="福祉課").locator("input").check()
    await form.locator("[name=site_id]").select_option(label="北区役所")
    await form.locator("[name=display_name]").fill("田中 一郎")
    await form.locator("button[type=submit]").click()
    await expect(form).to_be_hidden()
    await expect(row).to_contain_text("田中 一郎")
    await expect(row).to_contain_text("北区役所")
    await expect(row).to_contain_text("福祉課、市民課")  # by department id
    async with Participant(hub.url, hub.staff("tanaka")) as console:
        assert sorted(console.welcome.departments) == ["fukushi", "shimin"]
    await page.click("#tabs a[href='#audit']")
    audit = page.locator("#audit-table")
    await expect(audit.locator("tr[data-action='account_updated']")).to_contain_text("福祉課")
    moved = audit.locator("tr[data-action='account_site_set']").first  # the newest
    await expect(moved).to_contain_text("勤務場所の変更")
    await expect(moved).to_contain_text("変更後: kita-office")


async def test_a_temporary_password_is_replaced_on_the_sign_in_page(
    hub: RunningHub, page: Page
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#manage']")
    await page.locator("#manage-accounts tr[data-username='yamada'] button.reset").click()
    reset = page.locator("#password-reset")
    await expect(reset.locator("[name=temporary]")).to_be_checked()
    await reset.locator("[name=password]").fill("kari-no-pass-1")
    await reset.locator("button[type=submit]").click()
    row = page.locator("#manage-accounts tr[data-username='yamada']")
    await expect(row.locator("td.state")).to_have_text("仮パスワード")
    await page.click("#logout")
    await expect(page.locator("#login-form")).to_be_visible(timeout=WAIT_MS)
    await page.fill("#login-form [name=username]", "yamada")
    await page.fill("#login-form [name=password]", "kari-no-pass-1")
    await page.click("#login-form button")
    change = page.locator("#password-change-form")
    await expect(change).to_be_visible()
    await change.locator("[name=new_password]").fill("yamada-own-pass-2")
    await change.locator("[name=again]").fill("yamada-own-pass-3")
    await change.locator("button[type=submit]").click()
    await expect(change.locator(".error")).to_have_text("新しいパスワードが一致しません。")
    await change.locator("[name=again]").fill("yamada-own-pass-2")
    await change.locator("button[type=submit]").click()
    await expect(page.locator("#login-status")).to_contain_text("パスワードを変更しました")
    await page.fill("#login-form [name=password]", "yamada-own-pass-2")
    await page.click("#login-form button")
    await expect(page.locator("#who")).to_contain_text("監督者", timeout=WAIT_MS)
