"""The 翻訳 view in Debian's Chromium, headless, on a city translated but for known gaps: each
language's completeness and what is missing, a missing name filled in place (and at once on a
connected kiosk), staff messages, readings, and a staff member's name reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from playwright.async_api import Page, expect

from signaling import protocol as p
from signaling.directory import KIOSK_LANGUAGES, Directory, Reading, StaffMessage
from tests.fixtures.hub import RunningHub, always_open_demo_city
from tests.participant import Participant

from .admin_hub import start_admin_hub
from .browser import SCREENSHOTS, needs_chromium, sign_in

pytestmark = needs_chromium

WAIT = StaffMessage(
    id="wait",
    texts={"ja": "少々お待ちください。", "ja-easy": "すこし まって ください。",
           "en": "Please wait a moment.", "zh": "请稍等。", "ko": "잠시만 기다려 주세요.",
           "vi": "Xin vui lòng đợi một chút."},
)  # fmt: skip
REPEAT = StaffMessage(
    id="repeat",
    texts={"ja": "もう一度お願いします。", "ja-easy": "もう いちど いって ください。",
           "en": "Could you say that again?", "zh": "请再说一遍。",
           "ko": "다시 한번 말씀해 주세요.", "vi": "Xin vui lòng nói lại."},
)  # fmt: skip
KOKURA = Reading(word="小倉", reading="こくら")
# The gaps left in a city otherwise translated into every language: (kind, key, field, lang).
GAPS = {
    ("ward", "kita", "names", "ko"),
    ("category", "hoikuen", "names", "ko"),
    ("message", "wait", "texts", "ko"),
    ("site", "kita-aoba", "names", "zh"),
    ("department", "kaigo", "names", "zh"),
    ("description", "juminzei", "descriptions", "zh"),
    ("outcome", "other", "names", "zh"),
    ("service", "jumin", "names", "zh"),
    ("message", "repeat", "texts", "ja-easy"),
}
LANGUAGE_NAMES = {"ja": "日本語", "ja-easy": "やさしい日本語", "en": "English", "zh": "中文",
                  "ko": "한국어", "vi": "Tiếng Việt"}  # fmt: skip


def translated(texts: dict[str, str], kind: str, key: str, field: str) -> dict[str, str]:
    """Every kiosk language, as "<ja> [<lang>]" where the demo has none, but for the GAPS."""
    full = {lang: texts.get(lang, f"{texts['ja']} [{lang}]") for lang in KIOSK_LANGUAGES}
    return {lang: text for lang, text in full.items() if (kind, key, field, lang) not in GAPS}


async def shot_of(page: Page, name: str, selector: str) -> None:
    """Save the screen from ``selector`` down as docs/screenshots/admin/<name>.png when asked:
    the view is too long for one whole-page picture to be read."""
    if SCREENSHOTS:
        await page.locator(selector).evaluate("(el) => el.scrollIntoView()")
        await page.evaluate("window.scrollBy(0, -64)")  # from under the sticky bar
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def city_with_gaps() -> Directory:
    city = always_open_demo_city()
    replace = msgspec.structs.replace
    return replace(
        city,
        wards=[replace(w, names=translated(w.names, "ward", w.id, "names")) for w in city.wards],
        sites=[replace(s, names=translated(s.names, "site", s.id, "names")) for s in city.sites],
        services=[
            replace(s, names=translated(s.names, "service", s.id, "names")) for s in city.services
        ],
        departments=[
            replace(d, names=translated(d.names, "department", d.id, "names"))
            for d in city.departments
        ],
        categories=[
            replace(
                c,
                names=translated(c.names, "category", c.id, "names"),
                descriptions=translated(c.descriptions, "description", c.id, "descriptions"),
            )
            for c in city.categories
        ],
        outcome_codes=[
            replace(o, names=translated(o.names, "outcome", o.code, "names"))
            for o in city.outcome_codes
        ],
        staff_messages=[
            replace(m, texts=translated(m.texts, "message", m.id, "texts")) for m in (WAIT, REPEAT)
        ],
        readings=[KOKURA],
    )


def text_count(city: Directory) -> int:
    """The texts the view counts: every name and message, and each description there is."""
    named = len(city.wards) + len(city.sites) + len(city.services) + len(city.departments)
    described = len([c for c in city.categories if c.descriptions])
    listed = len(city.categories) + len(city.outcome_codes) + len(city.staff_messages)
    return named + described + listed


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """The admin hub, restarted on the city with GAPS (a hub reads its directory at start)."""
    hub = await start_admin_hub(tmp_path, aiohttp_server)
    store = await hub.store()
    try:
        await store.replace_directory(city_with_gaps(), actor="test", now=0)
    finally:
        await store.close()
    await hub.restart()
    return hub


async def open_translations(page: Page, hub: RunningHub) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#translations']")
    await expect(page.locator("#translation-table tbody tr[data-row]")).to_have_count(
        text_count(city_with_gaps())
    )


def expected_figure(missing: int) -> str:
    total = text_count(city_with_gaps())
    percent = (total - missing) * 100 // total  # rounded down: 100% only when complete
    return f"{percent}% — {missing} 件未翻訳" if missing else "100% — すべて翻訳済み"


async def test_each_language_shows_its_completeness_and_a_filled_ko_name_reaches_a_kiosk(
    hub: RunningHub, page: Page
) -> None:
    await open_translations(page, hub)
    missing = {lang: sum(1 for gap in GAPS if gap[3] == lang) for lang in KIOSK_LANGUAGES}
    assert missing == {"ja": 0, "ja-easy": 1, "en": 0, "zh": 5, "ko": 3, "vi": 0}
    for lang, count in missing.items():
        card = page.locator(f"#completeness [data-lang='{lang}']")
        await expect(card.locator("h3")).to_have_text(LANGUAGE_NAMES[lang])
        await expect(card.locator(".figure")).to_have_text(expected_figure(count))
        await expect(card.locator("ul.gaps li")).to_have_count(count)
    ko = page.locator("#completeness [data-lang='ko']")
    await expect(ko.locator("ul.gaps li")).to_have_text(
        ["区: 北区", "相談の種類: 保育園", "職員のメッセージ: 少々お待ちください。"]
    )
    # Missing cells say so in words, not colour alone; filled ones do not.
    table = page.locator("#translation-table")
    gaps = table.locator("td.missing")
    await expect(gaps).to_have_count(len(GAPS))
    await expect(gaps.locator(".gap").first).to_have_text("未翻訳")
    await expect(gaps.locator(".gap").first).to_be_visible()
    assert await table.locator("td:not(.missing) .gap").first.is_hidden()

    hoikuen = page.locator("#cell-category-hoikuen\\:ko")
    await ko.locator("summary").click()
    await shot_of(page, "translations", "#view-translations")
    await ko.get_by_role("button", name="相談の種類: 保育園").click()
    await expect(hoikuen).to_be_focused()  # the link went to its field
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        first = await kiosk.expect(p.Directory)
        assert "ko" not in next(c for c in first.categories if c.id == "hoikuen").names
        await hoikuen.fill("어린이집")
        await hoikuen.press("Enter")  # leaves the cell, which saves it
        pushed = await kiosk.expect(p.Directory)
    assert next(c for c in pushed.categories if c.id == "hoikuen").names["ko"] == "어린이집"
    await expect(page.locator("#translations-status")).to_contain_text("保存しました")
    await expect(ko.locator(".figure")).to_have_text(expected_figure(2))
    await expect(ko.locator("ul.gaps li")).to_have_count(2)
    await expect(table.locator("td.missing")).to_have_count(len(GAPS) - 1)
    await expect(hoikuen.locator("xpath=..")).not_to_have_class("missing")

    store = await hub.store()
    try:
        category = (await store.load_directory()).category("hoikuen")
    finally:
        await store.close()
    assert category is not None
    assert category.names["ko"] == "어린이집"
    assert category.department_id == "kosodate"  # the rest of the category kept
    before = city_with_gaps().category("hoikuen")
    assert before is not None
    assert category.descriptions == before.descriptions


async def test_clearing_the_japanese_is_refused_and_the_text_comes_back(
    hub: RunningHub, page: Page
) -> None:
    await open_translations(page, hub)
    cell = page.locator("#cell-ward-chuo\\:ja")
    await cell.fill("")
    await cell.press("Tab")
    await expect(page.locator("#translations-status")).to_contain_text("保存できません")
    await expect(cell).to_have_value("中央区")
    await expect(page.locator("#completeness [data-lang='ja'] .figure")).to_have_text(
        expected_figure(0)
    )


async def test_an_admin_adds_orders_and_deletes_staff_messages_in_six_languages(
    hub: RunningHub, page: Page
) -> None:
    await open_translations(page, hub)
    rows = page.locator("#staff-message-table tbody tr")
    await expect(rows).to_have_count(2)
    await page.click("#staff-message-new")
    form = page.locator("#staff-message-form")
    await form.locator("[name=entry_id]").fill("thanks")
    texts = {"ja": "ありがとうございました。", "ja-easy": "ありがとう ございました。",
             "en": "Thank you.", "zh": "谢谢。", "ko": "감사합니다.", "vi": "Cảm ơn."}  # fmt: skip
    for lang, text in texts.items():
        await form.locator(f"[name=text-{lang}]").fill(text)
    await shot_of(page, "staff-messages", "#staff-message-layout")
    await form.locator("button[type=submit]").click()
    await expect(form).to_be_hidden()
    await expect(rows).to_have_count(3)
    await expect(rows.last).to_have_attribute("data-message", "thanks")
    await expect(rows.last).to_contain_text("6 / 6 言語")
    # In the side-by-side table at once, with nothing missing.
    await expect(page.locator("#cell-message-thanks\\:vi")).to_have_value("Cảm ơn.")
    await rows.last.locator("button.up").click()
    await expect(rows.nth(1)).to_have_attribute("data-message", "thanks")
    await rows.first.locator("button.delete").click()  # the confirm dialog is accepted
    await expect(rows).to_have_count(2)
    store = await hub.store()
    try:
        city = await store.load_directory()
    finally:
        await store.close()
    repeat = city_with_gaps().staff_messages[1]
    assert [(m.id, m.texts) for m in city.staff_messages] == [
        ("thanks", texts),
        (repeat.id, repeat.texts),
    ]
    await page.click("#tabs a[href='#audit']")
    audit = page.locator("#audit-table")
    await expect(audit.locator("tr[data-action='staff_message_saved']")).to_contain_text(
        "職員のメッセージの保存"
    )
    await expect(audit).to_contain_text("変更後 \u203a 文 English: Thank you.")


async def test_an_admin_adds_a_reading_and_gives_a_staff_member_a_name_reading(
    hub: RunningHub, page: Page
) -> None:
    await open_translations(page, hub)
    readings = page.locator("#reading-table tbody tr")
    await expect(readings).to_have_count(1)
    await expect(readings.first.locator("[name=word]")).to_have_value("小倉")
    await page.click("#reading-add")
    await readings.last.locator("[name=word]").fill("門司")
    await readings.last.locator("[name=reading]").fill("moji")
    await page.locator("#reading-form button[type=submit]").click()
    await expect(page.locator("#reading-form .error")).to_contain_text("hiragana or katakana")
    await readings.last.locator("[name=reading]").fill("もじ")
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        await page.locator("#reading-form button[type=submit]").click()
        pushed = await kiosk.expect(p.Directory)
    assert pushed.readings == {"小倉": "こくら", "門司": "もじ"}
    await expect(page.locator("#translations-status")).to_contain_text("読みを保存しました (2 件)")
    await readings.first.locator("button.delete").click()
    await page.locator("#reading-form button[type=submit]").click()
    await expect(page.locator("#translations-status")).to_contain_text("読みを保存しました (1 件)")
    await expect(readings).to_have_count(1)
    await expect(readings.first.locator("[name=word]")).to_have_value("門司")

    await page.click("#tabs a[href='#manage']")
    tanaka = page.locator("#manage-accounts tr[data-username='tanaka']")
    await tanaka.locator("button.edit").click()
    form = page.locator("#account-edit")
    await form.locator("[name=name_reading]").fill("たなか はなこ")
    await form.locator("button[type=submit]").click()
    await expect(tanaka.locator("small.reading")).to_have_text("たなか はなこ")
    store = await hub.store()
    try:
        account = await store.get_account_by_username("tanaka")
    finally:
        await store.close()
    assert account is not None
    assert account.name_reading == "たなか はなこ"


async def test_a_supervisor_sees_the_translations_read_only(hub: RunningHub, page: Page) -> None:
    await sign_in(page, hub, "yamada")
    await page.click("#tabs a[href='#translations']")
    await expect(page.locator("#cell-ward-chuo\\:ko")).to_have_attribute("readonly", "")
    await expect(page.locator("#staff-message-new")).to_be_hidden()
    await expect(page.locator("#reading-add")).to_be_hidden()
    await expect(page.locator("#staff-message-table button.delete")).to_have_count(0)
