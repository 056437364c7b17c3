"""Staff messages and the city's readings on the admin API against the real hub: edited by
admins with an audit entry each, pushed live to kiosks and consoles, refused when malformed
(with a reason, changing nothing) and refused to anyone but an admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .admin_hub import AdminClient, origin, start_admin_hub
from .test_accounts_api import audit_entries, send

WAIT = {"ja": "少々お待ちください。", "ja-easy": "すこし まって ください。",
        "en": "Please wait a moment.", "zh": "请稍等。", "ko": "잠시만 기다려 주세요.",
        "vi": "Xin vui lòng đợi một chút."}  # fmt: skip
MOJI = {"word": "門司", "reading": "もじ"}


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """The admin hub on the demo city with no staff messages or readings, restarted on it (a
    hub reads its directory at start), so that each test knows all there is."""
    hub = await start_admin_hub(tmp_path, aiohttp_server)
    store = await hub.store()
    try:
        city = await store.load_directory()
        bare = msgspec.structs.replace(city, staff_messages=[], readings=[])
        await store.replace_directory(bare, actor="test", now=0)
    finally:
        await store.close()
    await hub.restart()
    return hub


async def messages(client: AdminClient) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await (await client.get("/api/staff-messages")).json()
    return result


async def next_directory_with_messages(participant: Participant) -> p.Directory:
    """The first directory with staff messages: a staff member coming on duty sends others."""
    while not (directory := await participant.expect(p.Directory)).staff_messages:
        pass
    return directory


async def readings(client: AdminClient) -> list[dict[str, str]]:
    result: list[dict[str, str]] = await (await client.get("/api/readings")).json()
    return result


async def test_an_admin_adds_a_message_in_six_languages_that_reaches_kiosks_and_consoles_at_once(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.expect(p.Directory)
        await tanaka.expect(p.Directory)
        added = await send(client, "PUT", "/staff-messages/wait", {"texts": WAIT})
        assert added.status == 200
        assert await added.json() == {"id": "wait", "texts": WAIT}
        for participant in (kiosk, tanaka):
            pushed = await next_directory_with_messages(participant)
            assert [(m.id, m.texts) for m in pushed.staff_messages] == [("wait", WAIT)]
    assert await messages(client) == [{"id": "wait", "texts": WAIT}]
    shorter = {"texts": {**WAIT, "ko": "잠시만요."}}
    changed = await send(client, "PUT", "/staff-messages/wait", shorter)
    assert changed.status == 200
    [first, second] = reversed(await audit_entries(client, "staff_message_saved"))
    assert (first["target"], first["detail"]["after"]["texts.vi"]) == ("wait", WAIT["vi"])
    assert first["detail"]["before"] == {}
    assert second["detail"] == {
        "before": {"texts.ko": WAIT["ko"]},
        "after": {"texts.ko": "잠시만요."},
    }


async def test_messages_are_reordered_and_deleted_down_to_none(client: AdminClient) -> None:
    await client.login("admin")
    for message_id in ("wait", "repeat", "thanks"):
        body = {"texts": {"ja": f"{message_id} の文"}}
        assert (await send(client, "PUT", f"/staff-messages/{message_id}", body)).status == 200
    order = ["thanks", "wait", "repeat"]
    assert (await send(client, "PUT", "/staff-message-order", {"ids": order})).status == 200
    assert [m["id"] for m in await messages(client)] == order
    for message_id in order:
        assert (await send(client, "DELETE", f"/staff-messages/{message_id}")).status == 200
    assert await messages(client) == []
    assert len(await audit_entries(client, "staff_message_deleted")) == 3
    [reordered] = await audit_entries(client, "staff_messages_reordered")
    assert reordered["detail"]["after"] == {"order": order}


async def test_malformed_messages_are_refused_with_a_reason_and_change_nothing(
    client: AdminClient,
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/staff-messages/wait", {"texts": WAIT})).status == 200
    before = await messages(client)
    refusals: list[tuple[str, str, Any, int]] = [
        ("PUT", "/staff-messages/Bad%20Id", {"texts": {"ja": "x"}}, 400),
        ("PUT", "/staff-messages/wait", {"texts": {"en": "no Japanese"}}, 400),
        ("PUT", "/staff-messages/wait", {"texts": {"ja": "待って", "fr": "attendez"}}, 400),
        ("PUT", "/staff-messages/wait", {"texts": {"ja": "  "}}, 400),
        ("PUT", "/staff-messages/wait", {"texts": {"ja": "あ" * 201}}, 400),
        ("PUT", "/staff-messages/wait", {"texts": {"ja": "待って"}, "tone": "polite"}, 400),
        ("PUT", "/staff-messages/wait", {"names": {"ja": "待って"}}, 400),
        ("PUT", "/staff-messages/wait", "not an object", 400),
        ("DELETE", "/staff-messages/never-was", None, 404),
        ("PUT", "/staff-message-order", {"ids": []}, 400),
        ("PUT", "/staff-message-order", {"ids": ["wait", "wait"]}, 400),
        ("PUT", "/staff-message-order", {"codes": ["wait"]}, 400),
    ]
    for method, path, body, status in refusals:
        response = await send(client, method, path, body)
        assert response.status == status, (path, body, await response.text())
        assert (await response.json())["message"]
    assert await messages(client) == before
    assert len(await audit_entries(client, "staff_message_saved")) == 1
    assert await audit_entries(client, "staff_messages_reordered") == []


async def test_an_admin_saves_the_readings_which_kiosks_get_at_once_audited_by_word(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    first = [MOJI, {"word": "小倉", "reading": "こくら"}]
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        assert (await send(client, "PUT", "/readings", first)).status == 200
        while not (pushed := await kiosk.expect(p.Directory)).readings:
            pass
    assert pushed.readings == {"門司": "もじ", "小倉": "こくら"}
    assert await readings(client) == first
    second = [{"word": "門司", "reading": "モジ"}, {"word": "若松", "reading": "わかまつ"}]
    assert (await send(client, "PUT", "/readings", second)).status == 200
    assert await readings(client) == second
    [added, changed] = reversed(await audit_entries(client, "readings_saved"))
    assert added["detail"] == {
        "before": {"readings": {}},
        "after": {"readings": {"門司": "もじ", "小倉": "こくら"}},
    }
    assert changed["detail"] == {
        "before": {"readings": {"門司": "もじ", "小倉": "こくら"}},
        "after": {"readings": {"門司": "モジ", "若松": "わかまつ"}},
    }
    assert (await send(client, "PUT", "/readings", [])).status == 200
    assert await readings(client) == []


async def test_malformed_readings_are_refused_with_a_reason_and_change_nothing(
    client: AdminClient,
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/readings", [MOJI])).status == 200
    refusals: list[Any] = [
        [{"word": "門司", "reading": "moji"}],  # not kana
        [{"word": "門司", "reading": "門司"}],
        [{"word": "門司", "reading": ""}],
        [{"word": " ", "reading": "もじ"}],
        [{"word": "門" * 33, "reading": "もじ"}],
        [{"word": "門司", "reading": "も" * 65}],
        [MOJI, {"word": "門司", "reading": "もんじ"}],  # one word, two readings
        [{"word": "門司"}],
        [{**MOJI, "note": "地名"}],
        {"readings": [MOJI]},
        "門司=もじ",
    ]
    for body in refusals:
        response = await send(client, "PUT", "/readings", body)
        assert response.status == 400, (body, await response.text())
        assert (await response.json())["message"]
    assert await readings(client) == [MOJI]
    assert len(await audit_entries(client, "readings_saved")) == 1


EDITS: list[tuple[str, str, Any]] = [
    ("PUT", "/staff-messages/wait", {"texts": WAIT}),
    ("DELETE", "/staff-messages/wait", None),
    ("PUT", "/staff-message-order", {"ids": ["wait"]}),
    ("PUT", "/readings", [MOJI]),
]


async def test_a_supervisor_reads_them_but_every_edit_is_refused(client: AdminClient) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/staff-messages/wait", {"texts": WAIT})).status == 200
    await client.login("yamada")
    before = (await messages(client), await readings(client))
    assert before == ([{"id": "wait", "texts": WAIT}], [])
    for method, path, body in EDITS:
        assert (await send(client, method, path, body)).status == 403, (method, path)
        assert (await send(client, method, path, body, csrf="forged")).status == 403
    assert (await messages(client), await readings(client)) == before


async def test_staff_kiosks_and_other_sites_cannot_edit(
    hub: RunningHub, client: AdminClient
) -> None:
    async with Participant(hub.url, hub.staff("tanaka")) as tanaka:
        staff_token = tanaka.welcome.session_token
    assert staff_token is not None
    for token in (hub.demo.kiosks[0].token, staff_token):
        async with aiohttp.ClientSession(cookies={"madoguchi_admin": token}) as http:
            for path in ("/staff-messages", "/readings"):
                async with http.get(f"{hub.http}/admin/api{path}") as response:
                    assert response.status == 401, path
            headers = {"Origin": origin(hub), "Authorization": f"Bearer {token}"}
            for method, path, body in EDITS:
                url = f"{hub.http}/admin/api{path}"
                async with http.request(method, url, json=body, headers=headers) as response:
                    assert response.status == 401, (method, path)
    await client.login("admin")
    for method, path, body in EDITS:
        evil = "https://evil.example"
        assert (await send(client, method, path, body, origin_header=evil)).status == 403
    assert (await messages(client), await readings(client)) == ([], [])
