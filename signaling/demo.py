"""A demo city with people and kiosks, so the whole system can be tried in one command.

窓口市 has three wards (signaling/demo_city.toml). Its kiosks stand at community centers in
each of them, and its staff work in several: 田中 and 佐藤 at 中央区's 市民課, 木村 at 北区's,
伊藤 at 南区's, and the city-wide desks (税務課, 子育て支援課, 介護保険課, 福祉課). 山田 supervises
the whole city, 小林 北区 only. Each name has its reading (田中 たなか), which a kiosk shows as
ruby or romanises for the citizen. The demo's own kiosk (`DEMO_KIOSK`) is at 北区's 北部支所:
while nobody is on duty at 北区's 市民課, a resident-record request there overflows at once to
中央区's, where 田中 sees it marked as another ward's citizen.

The passwords are published here on purpose: never seed a production database with them.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from importlib import resources
from pathlib import Path

import msgspec

from signaling.auth import hash_password
from signaling.directory import Directory, load_directory
from signaling.protocol import Role
from signaling.store import Store

DEMO_ACTOR = "demo"
CREDENTIALS_FILE = "demo-credentials.json"


class DemoAccount(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    display_name: str
    # The display name in kana, word for word (山田 課長: やまだ かちょう): ruby for やさしい日本語
    # and the romanised name en, ko and vi citizens read.
    name_reading: str
    role: Role
    password: str
    departments: tuple[str, ...] = ()
    site_id: str | None = None  # where they work (demo_city.toml); None: city-wide


class DemoKiosk(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    location: str
    site_id: str | None = None  # the site it stands at (demo_city.toml), which gives its ward
    kiosk_id: str = ""
    token: str = ""


class DemoCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """What a demo user needs to log in: passwords and freshly issued kiosk tokens."""

    accounts: tuple[DemoAccount, ...]
    kiosks: tuple[DemoKiosk, ...]

    def render(self) -> str:
        lines = ["Demo accounts (username / password / role / site / departments):"]
        for a in self.accounts:
            departments = ", ".join(a.departments) or "-"
            site = a.site_id or "-"
            lines.append(
                f"  {a.username:<8} {a.password:<13} {a.role.value:<10} {site:<14} {departments}"
            )
        lines.append("Demo kiosks (id / name / site / token):")
        for k in self.kiosks:
            lines.append(f"  {k.kiosk_id}  {k.name}  {k.site_id or '-'}  {k.token}")
        return "\n".join(lines)

    def kiosk(self, name: str) -> DemoKiosk:
        """The seeded kiosk called `name`, with its id and token."""
        return next(k for k in self.kiosks if k.name == name)

    def to_json(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self))

    def write(self, var_dir: str | os.PathLike[str]) -> Path:
        """Write ``{var_dir}/demo-credentials.json``, readable by its owner only."""
        path = Path(var_dir) / CREDENTIALS_FILE
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(self.to_json())
        return path


DEMO_ACCOUNTS = (
    DemoAccount(
        username="admin",
        display_name="管理者",
        name_reading="かんりしゃ",
        role=Role.ADMIN,
        password="admin-demo",
    ),
    DemoAccount(
        username="yamada",
        display_name="山田 課長",
        name_reading="やまだ かちょう",
        role=Role.SUPERVISOR,
        password="yamada-demo",
    ),
    # A ward supervisor: placed at 北区役所, they see and manage 北区 only on the admin page.
    DemoAccount(
        username="kobayashi",
        display_name="小林 係長",
        name_reading="こばやし かかりちょう",
        role=Role.SUPERVISOR,
        password="kobayashi-demo",
        site_id="kita-office",
    ),
    DemoAccount(
        username="tanaka",
        display_name="田中",
        name_reading="たなか",
        role=Role.STAFF,
        password="tanaka-demo",
        departments=("shimin", "zeimu"),
        site_id="chuo-office",
    ),
    DemoAccount(
        username="suzuki",
        display_name="鈴木",
        name_reading="すずき",
        role=Role.STAFF,
        password="suzuki-demo",
        departments=("kosodate", "fukushi"),
    ),
    DemoAccount(
        username="sato",
        display_name="佐藤",
        name_reading="さとう",
        role=Role.STAFF,
        password="sato-demo",
        departments=("kaigo", "shimin"),
        site_id="chuo-office",
    ),
    DemoAccount(
        username="kimura",
        display_name="木村",
        name_reading="きむら",
        role=Role.STAFF,
        password="kimura-demo",
        departments=("kita-shimin",),
        site_id="kita-office",
    ),
    DemoAccount(
        username="ito",
        display_name="伊藤",
        name_reading="いとう",
        role=Role.STAFF,
        password="ito-demo",
        departments=("minami-shimin",),
        site_id="minami-office",
    ),
)

# The first two stand in 中央区, whose 市民課 (shimin) 田中 and 佐藤 serve: tests reach it
# through them. The others are in 北区 and 南区, whose own 市民課 each have one member of staff.
DEMO_KIOSKS = (
    DemoKiosk(
        name="中央公民館", location="1階ロビー (Chuo Community Center 1F)", site_id="chuo-kominkan"
    ),
    DemoKiosk(
        name="本町市民センター",
        location="入口横 (Honmachi Community Center)",
        site_id="chuo-honmachi",
    ),
    DemoKiosk(
        name="南コミュニティセンター",
        location="入口横 (South Community Center)",
        site_id="minami-community",
    ),
    DemoKiosk(name="北部支所", location="窓口 (North Branch)", site_id="kita-hokubu"),
)
# The kiosk `make demo` and its autoplay open: a 北区 citizen, answered by 中央区's 市民課.
DEMO_KIOSK = "北部支所"


def demo_directory() -> Directory:
    text = resources.files("signaling").joinpath("demo_city.toml").read_bytes()
    return load_directory(text)


async def seed_demo(store: Store, *, now: float | None = None) -> DemoCredentials:
    """Load 窓口市 with its people and kiosks. Safe to re-run: it resets passwords and
    re-issues kiosk tokens instead of adding duplicates."""
    at = time.time() if now is None else now
    await store.replace_directory(demo_directory(), actor=DEMO_ACTOR, now=at)
    for account in DEMO_ACCOUNTS:
        await _seed_account(store, account, at)
    kiosks = [await _seed_kiosk(store, kiosk, at) for kiosk in DEMO_KIOSKS]
    return DemoCredentials(accounts=DEMO_ACCOUNTS, kiosks=tuple(kiosks))


# Each demo password's argon2 hash, made once per process: tests seed the demo again and again,
# and a hash costs about a second on a busy machine. The hashes keep the real parameters; a
# salt shared between demo databases reveals only that their passwords match, and they are
# published above anyway.
_HASHES: dict[str, str] = {}
_HASHES_LOCK = threading.Lock()


def _demo_password_hash(password: str) -> str:
    with _HASHES_LOCK:
        if password not in _HASHES:
            _HASHES[password] = hash_password(password)
        return _HASHES[password]


async def _seed_account(store: Store, demo: DemoAccount, at: float) -> None:
    password_hash = await asyncio.to_thread(_demo_password_hash, demo.password)
    existing = await store.get_account_by_username(demo.username)
    if existing is None:
        existing = await store.create_account(
            demo.username,
            demo.display_name,
            demo.role,
            password_hash,
            demo.departments,
            name_reading=demo.name_reading,
            actor=DEMO_ACTOR,
            now=at,
        )
        if demo.site_id is not None:
            await store.set_account_site(existing.id, demo.site_id, actor=DEMO_ACTOR, now=at)
    else:
        await store.set_password(existing.id, password_hash, actor=DEMO_ACTOR, now=at)
        if existing.disabled:
            await store.set_account_disabled(existing.id, False, actor=DEMO_ACTOR, now=at)
        if sorted(existing.departments) != sorted(demo.departments):
            await store.set_account_departments(
                existing.id, demo.departments, actor=DEMO_ACTOR, now=at
            )
        if existing.site_id != demo.site_id:
            await store.set_account_site(existing.id, demo.site_id, actor=DEMO_ACTOR, now=at)
    # An older demo database's accounts have no reading yet.
    if existing.name_reading != demo.name_reading:
        await store.update_account(
            existing.id, name_reading=demo.name_reading, actor=DEMO_ACTOR, now=at
        )


async def _seed_kiosk(store: Store, demo: DemoKiosk, at: float) -> DemoKiosk:
    existing = await store.get_kiosk_by_name(demo.name)
    if existing is None:
        kiosk, token = await store.create_kiosk(
            demo.name, demo.location, actor=DEMO_ACTOR, now=at, site_id=demo.site_id
        )
        return msgspec.structs.replace(demo, kiosk_id=kiosk.id, token=token)
    token = await store.reissue_kiosk_token(existing.id, actor=DEMO_ACTOR, now=at)
    if existing.disabled:
        await store.set_kiosk_disabled(existing.id, False, actor=DEMO_ACTOR, now=at)
    if existing.site_id != demo.site_id:  # a demo database from before the city had wards
        await store.set_kiosk_site(existing.id, demo.site_id, actor=DEMO_ACTOR, now=at)
    return msgspec.structs.replace(
        demo, location=existing.location, kiosk_id=existing.id, token=token
    )
