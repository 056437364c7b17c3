"""A topic routed to a service (each ward's desk for it) is edited on the API and the page like
one routed to a department, and stays a topic of that service."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from tests.fixtures.hub import RunningHub

from .admin_hub import AdminClient
from .browser import needs_chromium, sign_in
from .test_accounts_api import send


async def categories(client: AdminClient) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in await (await client.get("/api/categories")).json()}


async def test_a_topic_of_a_service_is_saved_and_refused_like_any_other(
    client: AdminClient,
) -> None:
    await client.login("admin")
    body = {"service_id": "jumin", "names": {"ja": "印鑑登録"}, "icon": "document"}
    assert (await send(client, "PUT", "/categories/inkan", body)).status == 200
    saved = (await categories(client))["inkan"]
    assert (saved["service_id"], saved.get("department_id", "")) == ("jumin", "")
    for bad in (
        {"service_id": "no-such-service", "names": {"ja": "x"}},
        {"service_id": "jumin", "department_id": "shimin", "names": {"ja": "x"}},
        {"names": {"ja": "x"}},
    ):
        refused = await send(client, "PUT", "/categories/inkan", bad)
        assert refused.status == 400, bad
    assert (await categories(client))["inkan"] == saved


@needs_chromium
async def test_an_admin_renames_a_service_topic_on_the_page_and_it_keeps_its_service(
    hub: RunningHub, page: Page, client: AdminClient
) -> None:
    await sign_in(page, hub)
    await page.click("#tabs a[href='#directory']")
    row = page.locator("#category-table tr[data-category='juminhyo']")
    await expect(row).to_contain_text("各区の")
    await row.locator("button.edit").click()
    form = page.locator("#category-form")
    await expect(form.locator("[name=department_id]")).to_have_value("service:jumin")
    await form.locator("[name=name-en]").fill("Resident record")
    await form.locator("button[type=submit]").click()
    await expect(form).to_be_hidden()
    await client.login("admin")
    saved = (await categories(client))["juminhyo"]
    assert saved["service_id"] == "jumin"
    assert saved["names"]["en"] == "Resident record"
