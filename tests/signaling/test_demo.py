from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from signaling.auth import Authenticator
from signaling.demo import DEMO_ACCOUNTS, DemoCredentials, demo_directory, seed_demo
from signaling.directory import KIOSK_LANGUAGES, load_directory
from signaling.hours import TOKYO, is_open
from signaling.protocol import PROTOCOL_VERSION, ErrorCode, Hello, RemoteProtocolError, Role
from signaling.settings import Settings
from signaling.store import Store

NOW = 1_750_000_000.0
ICONS = {"document", "house", "card", "child", "daycare", "care", "yen", "help"}


def tokyo(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO).timestamp()


# The demo city file.


def test_the_demo_city_loads_with_the_directory_loader() -> None:
    path = Path(__file__).parents[2] / "signaling" / "demo_city.toml"
    assert load_directory(path.read_bytes()) == demo_directory()


def test_the_demo_city_has_five_departments_and_its_outcome_codes() -> None:
    city = demo_directory()
    assert [d.names["ja"] for d in city.departments] == [
        "市民課",
        "子育て支援課",
        "介護保険課",
        "税務課",
        "福祉課",
    ]
    assert [o.code for o in city.outcome_codes] == [
        "resolved",
        "follow_up",
        "referred",
        "documents_needed",
        "other",
    ]


def test_every_category_speaks_japanese_plain_japanese_and_english() -> None:
    city = demo_directory()
    assert 8 <= len(city.categories) <= 10
    for category in city.categories:
        for language in ("ja", "ja-easy", "en"):
            assert category.names[language], (category.id, language)
            assert category.descriptions[language], (category.id, language)
        assert set(category.names) <= set(KIOSK_LANGUAGES)
        assert category.icon in ICONS


def test_every_department_serves_some_category() -> None:
    city = demo_directory()
    served = {c.department_id for c in city.categories}
    assert served == {d.id for d in city.departments}


def test_departments_open_on_weekdays_and_only_citizens_affairs_on_saturday() -> None:
    city = demo_directory()
    monday_morning = tokyo(2025, 6, 9, 8, 30)
    saturday_morning = tokyo(2025, 6, 7, 9, 30)
    saturday_afternoon = tokyo(2025, 6, 7, 12, 0)
    assert all(is_open(d.hours, monday_morning) for d in city.departments)
    assert [d.id for d in city.departments if is_open(d.hours, saturday_morning)] == ["shimin"]
    assert not any(is_open(d.hours, saturday_afternoon) for d in city.departments)
    assert not any(is_open(d.hours, tokyo(2025, 6, 9, 17, 15)) for d in city.departments)


@pytest.mark.parametrize(
    "moment",
    [
        (2025, 12, 29, 10, 0),  # 年末年始, a Monday
        (2026, 1, 2, 10, 0),  # 年末年始, a Friday
        (2025, 11, 3, 10, 0),  # 文化の日, a Monday
    ],
)
def test_departments_are_closed_at_new_year_and_on_national_holidays(
    moment: tuple[int, int, int, int, int],
) -> None:
    assert not any(is_open(d.hours, tokyo(*moment)) for d in demo_directory().departments)


# Seeding.


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db")
    yield store
    await store.close()


async def test_seeding_creates_the_city_people_and_kiosks(store: Store) -> None:
    credentials = await seed_demo(store, now=NOW)
    assert await store.load_directory() == demo_directory()
    accounts = {a.username: a for a in await store.list_accounts()}
    assert {u: a.role for u, a in accounts.items()} == {
        "admin": Role.ADMIN,
        "yamada": Role.SUPERVISOR,
        "tanaka": Role.STAFF,
        "suzuki": Role.STAFF,
        "sato": Role.STAFF,
    }
    assert accounts["tanaka"].departments == ("shimin", "zeimu")
    assert accounts["suzuki"].departments == ("fukushi", "kosodate")
    assert accounts["sato"].departments == ("kaigo", "shimin")
    kiosks = await store.list_kiosks()
    assert {k.name for k in kiosks} == {"中央公民館", "北部支所", "南コミュニティセンター"}
    assert {k.kiosk_id for k in credentials.kiosks} == {k.id for k in kiosks}


async def test_the_demo_credentials_log_in(store: Store) -> None:
    credentials = await seed_demo(store, now=NOW)
    auth = Authenticator(store, Settings())
    for account in credentials.accounts:
        hello = Hello(
            protocol_version=PROTOCOL_VERSION, username=account.username, password=account.password
        )
        principal, issued = await auth.authenticate(hello, "127.0.0.1", NOW)
        assert (principal.role, issued is not None) == (account.role, True)
    for kiosk in credentials.kiosks:
        hello = Hello(protocol_version=PROTOCOL_VERSION, token=kiosk.token)
        principal, _ = await auth.authenticate(hello, "127.0.0.1", NOW)
        assert (principal.role, principal.id) == (Role.KIOSK, kiosk.kiosk_id)


async def test_seeding_twice_adds_nothing_and_reissues_kiosk_tokens(store: Store) -> None:
    first = await seed_demo(store, now=NOW)
    second = await seed_demo(store, now=NOW + 1)
    assert len(await store.list_accounts()) == len(DEMO_ACCOUNTS)
    assert len(await store.list_kiosks()) == 3
    assert [k.kiosk_id for k in second.kiosks] == [k.kiosk_id for k in first.kiosks]
    old_token = first.kiosks[0].token
    assert second.kiosks[0].token != old_token
    auth = Authenticator(store, Settings())
    with pytest.raises(RemoteProtocolError) as caught:
        await auth.authenticate(
            Hello(protocol_version=PROTOCOL_VERSION, token=old_token), "127.0.0.1", NOW
        )
    assert caught.value.code is ErrorCode.UNAUTHORIZED


async def test_reseeding_re_enables_what_was_disabled(store: Store) -> None:
    first = await seed_demo(store, now=NOW)
    tanaka = await store.get_account_by_username("tanaka")
    assert tanaka is not None
    await store.set_account_disabled(tanaka.id, True, actor="test", now=NOW)
    await store.set_kiosk_disabled(first.kiosks[0].kiosk_id, True, actor="test", now=NOW)
    await seed_demo(store, now=NOW)
    assert not any(a.disabled for a in await store.list_accounts())
    assert not any(k.disabled for k in await store.list_kiosks())


async def test_seeding_is_audited_as_the_demo(store: Store) -> None:
    await seed_demo(store, now=NOW)
    assert {e.actor for e in await store.list_audit()} == {"demo"}


async def test_the_credentials_render_for_a_terminal(store: Store) -> None:
    credentials = await seed_demo(store, now=NOW)
    text = credentials.render()
    for account in credentials.accounts:
        assert account.username in text
        assert account.password in text
    for kiosk in credentials.kiosks:
        assert kiosk.token in text
        assert kiosk.kiosk_id in text


async def test_the_credentials_file_is_json_readable_only_by_its_owner(
    store: Store, tmp_path: Path
) -> None:
    credentials = await seed_demo(store, now=NOW)
    path = credentials.write(tmp_path / "var")
    assert path == tmp_path / "var" / "demo-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["kiosks"][0]["token"] == credentials.kiosks[0].token
    assert isinstance(credentials, DemoCredentials)
