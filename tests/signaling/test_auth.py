from __future__ import annotations

import asyncio
import base64
import string
from collections.abc import AsyncIterator
from pathlib import Path

import argon2
import pytest

from signaling.auth import (
    Authenticator,
    LoginThrottle,
    hash_password,
    ice_servers,
    password_needs_rehash,
    turn_credentials,
    verify_password,
)
from signaling.directory import Department, Directory, Site, Ward
from signaling.principal import Principal
from signaling.protocol import (
    PROTOCOL_VERSION,
    ErrorCode,
    Hello,
    IceServer,
    RemoteProtocolError,
    Role,
)
from signaling.settings import Settings
from signaling.store import Store
from signaling.tokens import hash_token, new_device_token, new_session_token

NOW = 1_750_000_000.0
IP = "192.0.2.10"
PASSWORD = "correct horse battery"


# Passwords and tokens.


@pytest.fixture(scope="module")
def a_hash() -> str:
    # argon2 is slow on purpose; one hash serves the whole module.
    return hash_password(PASSWORD)


def test_passwords_are_hashed_with_argon2id(a_hash: str) -> None:
    assert a_hash.startswith("$argon2id$")
    assert PASSWORD not in a_hash


def test_the_right_password_verifies(a_hash: str) -> None:
    assert verify_password(a_hash, PASSWORD) is True


def test_a_wrong_password_does_not_verify(a_hash: str) -> None:
    assert verify_password(a_hash, PASSWORD + "!") is False


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=1$broken"])
def test_a_malformed_hash_never_verifies(stored: str) -> None:
    assert verify_password(stored, PASSWORD) is False


def test_a_fresh_hash_needs_no_rehash(a_hash: str) -> None:
    assert password_needs_rehash(a_hash) is False


def test_a_weaker_or_malformed_hash_needs_a_rehash() -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert password_needs_rehash(weak) is True
    assert password_needs_rehash("garbage") is True


def test_tokens_are_long_url_safe_and_unique() -> None:
    tokens = {new_device_token() for _ in range(100)} | {new_session_token() for _ in range(100)}
    assert len(tokens) == 200
    allowed = set(string.ascii_letters + string.digits + "-_")
    assert all(len(t) >= 43 and set(t) <= allowed for t in tokens)


def test_a_token_hash_is_sha256_hex_and_stable() -> None:
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert hash_token("abc") != hash_token("abd")


# TURN credentials and ICE servers.


def test_turn_credentials_follow_the_coturn_rest_scheme() -> None:
    username, credential = turn_credentials("s3cret", "k-1", now=1_700_000_000.4, ttl=3600)
    assert username == "1700003600:k-1"
    # From: printf %s 1700003600:k-1 | openssl dgst -sha1 -hmac s3cret -binary | base64
    assert credential == "w+Is/Iw7wVN1OiY5WyFoAOXgUMU="
    assert len(base64.b64decode(credential)) == 20


def test_turn_credentials_depend_on_the_secret() -> None:
    assert turn_credentials("a", "u", 0, 60) != turn_credentials("b", "u", 0, 60)


def test_no_ice_servers_are_offered_unless_configured() -> None:
    assert ice_servers(Settings(), "k-1", NOW) == []


def test_stun_servers_are_offered_without_credentials() -> None:
    settings = Settings(stun_urls=["stun:stun.city.example:3478"])
    assert ice_servers(settings, "k-1", NOW) == [IceServer(urls=["stun:stun.city.example:3478"])]


def test_turn_servers_come_with_time_limited_credentials() -> None:
    settings = Settings(
        stun_urls=["stun:s.example"],
        turn_urls=["turn:t.example:3478?transport=udp", "turns:t.example:443?transport=tcp"],
        turn_secret="s3cret",
        turn_ttl_seconds=600,
    )
    stun, turn = ice_servers(settings, "u-1", NOW)
    assert stun.username is None
    assert turn.urls == list(settings.turn_urls)
    assert (turn.username, turn.credential) == turn_credentials("s3cret", "u-1", NOW, 600)


# The login throttle.


def test_the_throttle_allows_failures_up_to_the_limit() -> None:
    throttle = LoginThrottle(failures_allowed=3, window_seconds=300)
    for i in range(3):
        assert throttle.check(IP, NOW + i) is None
        throttle.record_failure(IP, NOW + i)
    assert throttle.check(IP, NOW + 3) == pytest.approx(297)


def test_the_throttle_lifts_when_the_oldest_failure_leaves_the_window() -> None:
    throttle = LoginThrottle(failures_allowed=2, window_seconds=100)
    throttle.record_failure(IP, NOW)
    throttle.record_failure(IP, NOW + 50)
    assert throttle.check(IP, NOW + 99) == pytest.approx(1)
    assert throttle.check(IP, NOW + 100) is None
    throttle.record_failure(IP, NOW + 100)  # one more try, and it is locked again
    assert throttle.check(IP, NOW + 101) == pytest.approx(49)


def test_the_throttle_is_per_ip() -> None:
    throttle = LoginThrottle(failures_allowed=1, window_seconds=100)
    throttle.record_failure(IP, NOW)
    assert throttle.check(IP, NOW) is not None
    assert throttle.check("192.0.2.99", NOW) is None


def test_a_success_clears_the_ips_failures() -> None:
    throttle = LoginThrottle(failures_allowed=2, window_seconds=100)
    throttle.record_failure(IP, NOW)
    throttle.record_failure(IP, NOW)
    throttle.record_success(IP)
    assert throttle.check(IP, NOW) is None


def test_the_throttle_forgets_ips_whose_failures_are_old() -> None:
    throttle = LoginThrottle(failures_allowed=5, window_seconds=100)
    for i in range(1000):
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}", NOW + i / 10)
    assert len(throttle) == 1000
    throttle.record_failure(IP, NOW + 150)
    assert len(throttle) == 1 + 499  # only those after NOW + 50 are still in the window
    assert throttle.check(IP, NOW + 1000) is None
    assert len(throttle) == 0


def test_the_throttle_tracks_at_most_max_ips() -> None:
    throttle = LoginThrottle(failures_allowed=1, window_seconds=100, max_ips=10)
    for i in range(50):
        throttle.record_failure(f"10.0.0.{i}", NOW)
    assert len(throttle) == 10
    assert throttle.check("10.0.0.49", NOW) is not None  # the newest are the ones kept


def test_the_throttle_refuses_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="positive"):
        LoginThrottle(failures_allowed=0, window_seconds=10)


# The authenticator, against a real SQLite store.


SETTINGS = Settings(login_failures_allowed=3, login_throttle_seconds=300)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db")
    await store.replace_directory(
        Directory(
            departments=[Department(id="shimin", names={}), Department(id="zeimu", names={})]
        ),
        actor="test",
        now=NOW,
    )
    yield store
    await store.close()


@pytest.fixture
async def tanaka(store: Store, a_hash: str) -> str:
    account = await store.create_account(
        "tanaka", "田中", Role.STAFF, a_hash, ["shimin", "zeimu"], actor="test", now=NOW
    )
    return account.id


@pytest.fixture
def auth(store: Store) -> Authenticator:
    return Authenticator(store, SETTINGS)


def login(username: str = "tanaka", password: str = PASSWORD) -> Hello:
    return Hello(protocol_version=PROTOCOL_VERSION, username=username, password=password)


def token_hello(token: str) -> Hello:
    return Hello(protocol_version=PROTOCOL_VERSION, token=token)


async def refused(auth: Authenticator, hello: Hello, now: float = NOW, ip: str = IP) -> ErrorCode:
    with pytest.raises(RemoteProtocolError) as caught:
        await auth.authenticate(hello, ip, now)
    return caught.value.code


async def test_a_kiosk_token_makes_a_kiosk_principal(store: Store, auth: Authenticator) -> None:
    kiosk, token = await store.create_kiosk("中央公民館", "1F ロビー", actor="test", now=NOW)
    principal, issued = await auth.authenticate(token_hello(token), IP, NOW)
    assert principal == Principal(
        role=Role.KIOSK, id=kiosk.id, display_name="中央公民館", location="1F ロビー"
    )
    assert issued is None


async def test_a_kiosk_at_a_site_carries_its_site_in_its_principal(
    store: Store, auth: Authenticator
) -> None:
    ward = Ward(id="moji", names={"ja": "門司区"})
    site = Site(id="moji-center", ward_id="moji", names={"ja": "門司市民センター"})
    await store.replace_directory(
        Directory(wards=[ward], sites=[site], departments=[Department(id="shimin", names={})]),
        actor="test",
        now=NOW,
    )
    kiosk, token = await store.create_kiosk("門司", "", actor="test", now=NOW)
    await store.set_kiosk_site(kiosk.id, "moji-center", actor="test", now=NOW)
    principal, _ = await auth.authenticate(token_hello(token), IP, NOW)
    assert principal.site_id == "moji-center"


async def test_a_password_login_issues_a_session_token(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    principal, issued = await auth.authenticate(login(), IP, NOW)
    assert principal == Principal(
        role=Role.STAFF, id=tanaka, display_name="田中", departments=("shimin", "zeimu")
    )
    assert issued is not None
    assert issued.expires_at == NOW + SETTINGS.session_token_ttl_seconds
    session = await store.get_session(hash_token(issued.token))
    assert session is not None
    assert session.account_id == tanaka


async def test_the_session_token_logs_the_same_account_in_again(
    auth: Authenticator, tanaka: str
) -> None:
    first, issued = await auth.authenticate(login(), IP, NOW)
    assert issued is not None
    again, reissued = await auth.authenticate(token_hello(issued.token), IP, NOW + 60)
    assert again == first
    assert reissued is None


async def test_the_username_is_not_case_sensitive(auth: Authenticator, tanaka: str) -> None:
    principal, _ = await auth.authenticate(login(" Tanaka"), IP, NOW)
    assert principal.id == tanaka


async def test_a_supervisor_logs_in_with_the_supervisor_role(
    store: Store, auth: Authenticator, a_hash: str
) -> None:
    await store.create_account("yamada", "山田", Role.SUPERVISOR, a_hash, [], actor="t", now=NOW)
    principal, _ = await auth.authenticate(login("yamada"), IP, NOW)
    assert (principal.role, principal.departments) == (Role.SUPERVISOR, ())


async def test_a_wrong_password_is_unauthorized(auth: Authenticator, tanaka: str) -> None:
    assert await refused(auth, login(password="wrong password")) is ErrorCode.UNAUTHORIZED


async def test_an_unknown_user_is_unauthorized(auth: Authenticator, tanaka: str) -> None:
    assert await refused(auth, login("nobody")) is ErrorCode.UNAUTHORIZED


async def test_an_unknown_token_is_unauthorized(auth: Authenticator) -> None:
    assert await refused(auth, token_hello(new_device_token())) is ErrorCode.UNAUTHORIZED


async def test_an_expired_session_token_is_refused_then_forgotten(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    _, issued = await auth.authenticate(login(), IP, NOW)
    assert issued is not None
    later = issued.expires_at
    assert await refused(auth, token_hello(issued.token), now=later) is ErrorCode.SESSION_EXPIRED
    assert await store.get_session(hash_token(issued.token)) is None


async def test_a_disabled_account_cannot_log_in(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    await store.set_account_disabled(tanaka, True, actor="test", now=NOW)
    assert await refused(auth, login()) is ErrorCode.ACCOUNT_DISABLED


async def test_a_disabled_account_with_a_wrong_password_learns_nothing(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    await store.set_account_disabled(tanaka, True, actor="test", now=NOW)
    assert await refused(auth, login(password="wrong password")) is ErrorCode.UNAUTHORIZED


async def test_disabling_an_account_ends_its_session_tokens(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    _, issued = await auth.authenticate(login(), IP, NOW)
    assert issued is not None
    await store.set_account_disabled(tanaka, True, actor="test", now=NOW)
    assert await refused(auth, token_hello(issued.token)) is ErrorCode.UNAUTHORIZED


async def test_a_disabled_kiosk_is_refused(store: Store, auth: Authenticator) -> None:
    kiosk, token = await store.create_kiosk("北部支所", "", actor="test", now=NOW)
    await store.set_kiosk_disabled(kiosk.id, True, actor="test", now=NOW)
    assert await refused(auth, token_hello(token)) is ErrorCode.ACCOUNT_DISABLED


async def test_a_hello_without_credentials_is_unauthorized(auth: Authenticator) -> None:
    assert await refused(auth, Hello(protocol_version=PROTOCOL_VERSION)) is ErrorCode.UNAUTHORIZED
    assert await refused(auth, login(password="")) is ErrorCode.UNAUTHORIZED


async def test_a_hello_with_both_a_token_and_a_password_is_unauthorized(
    auth: Authenticator, tanaka: str
) -> None:
    hello = Hello(protocol_version=PROTOCOL_VERSION, token="t", username="tanaka", password="p")
    assert await refused(auth, hello) is ErrorCode.UNAUTHORIZED


async def test_an_account_at_an_address_is_throttled_after_failures_even_with_the_right_password(
    auth: Authenticator, tanaka: str
) -> None:
    for _ in range(SETTINGS.login_failures_allowed):
        assert await refused(auth, login(password="guess guess")) is ErrorCode.UNAUTHORIZED
    assert await refused(auth, login()) is ErrorCode.LOGIN_THROTTLED
    principal, _ = await auth.authenticate(login(), "192.0.2.99", NOW)  # another IP
    assert principal.id == tanaka
    later = NOW + SETTINGS.login_throttle_seconds
    principal, _ = await auth.authenticate(login(), IP, later)
    assert principal.id == tanaka


async def test_a_throttled_ip_is_refused_before_its_password_is_checked(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    for _ in range(SETTINGS.login_failures_allowed):
        await refused(auth, login(password="guess guess"))
    audited = len(await store.list_audit())
    assert await refused(auth, login()) is ErrorCode.LOGIN_THROTTLED
    assert len(await store.list_audit()) == audited  # no check, so no login entry either


async def test_unknown_tokens_count_towards_the_throttle(auth: Authenticator) -> None:
    for _ in range(auth.address_throttle.failures_allowed):
        await refused(auth, token_hello(new_device_token()))
    assert await refused(auth, token_hello(new_device_token())) is ErrorCode.LOGIN_THROTTLED


async def test_a_kiosk_reconnecting_often_is_not_throttled(
    store: Store, auth: Authenticator
) -> None:
    _, token = await store.create_kiosk("南", "", actor="test", now=NOW)
    for i in range(SETTINGS.login_failures_allowed * 3):
        principal, _ = await auth.authenticate(token_hello(token), IP, NOW + i)
        assert principal.role is Role.KIOSK


async def test_a_successful_login_resets_the_ips_failures(auth: Authenticator, tanaka: str) -> None:
    for _ in range(SETTINGS.login_failures_allowed - 1):
        await refused(auth, login(password="guess guess"))
    await auth.authenticate(login(), IP, NOW)
    for _ in range(SETTINGS.login_failures_allowed - 1):
        assert await refused(auth, login(password="guess guess")) is ErrorCode.UNAUTHORIZED


async def test_logins_and_failures_are_audited_with_the_ip(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    await refused(auth, login("nobody"))
    await refused(auth, login(password="wrong password"))
    await auth.authenticate(login(), IP, NOW + 1)
    entries = await store.list_audit(since=NOW)
    assert [(e.actor, e.action, e.target, e.detail) for e in entries[:3]] == [
        (tanaka, "login", tanaka, {"method": "password"}),
        ("anonymous", "login_failed", tanaka, {"reason": "wrong_password"}),
        ("anonymous", "login_failed", "nobody", {"reason": "unknown_user"}),
    ]
    assert {e.ip for e in entries[:3]} == {IP}


async def test_a_weak_hash_is_upgraded_at_login_without_ending_sessions(
    store: Store, auth: Authenticator
) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    account = await store.create_account(
        "sato", "佐藤", Role.STAFF, weak, ["shimin"], actor="test", now=NOW
    )
    _, first = await auth.authenticate(login("sato"), IP, NOW)
    _, _second = await auth.authenticate(login("sato"), IP, NOW)
    upgraded = await store.get_account(account.id)
    assert upgraded is not None
    assert not password_needs_rehash(upgraded.password_hash)
    assert verify_password(upgraded.password_hash, PASSWORD)
    assert first is not None
    assert await store.get_session(hash_token(first.token)) is not None


async def test_one_users_typos_do_not_lock_out_colleagues_on_the_same_address(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    await store.create_account(
        "suzuki", "鈴木", Role.STAFF, hash_password(PASSWORD), ["shimin"], actor="test", now=NOW
    )
    for _ in range(SETTINGS.login_failures_allowed):
        await refused(auth, login(password="typo typo"))
    assert await refused(auth, login()) is ErrorCode.LOGIN_THROTTLED
    principal, _ = await auth.authenticate(login("suzuki"), IP, NOW)
    assert principal.display_name == "鈴木"


async def test_a_morning_rush_of_logins_behind_one_address_is_never_throttled(
    store: Store, auth: Authenticator
) -> None:
    password_hash = hash_password(PASSWORD)
    names = [f"staff{n}" for n in range(SETTINGS.login_failures_allowed * 3)]
    for name in names:
        await store.create_account(
            name, name, Role.STAFF, password_hash, ["shimin"], actor="test", now=NOW
        )
    results = await asyncio.gather(*(auth.authenticate(login(n), IP, NOW) for n in names))
    assert [principal.display_name for principal, _ in results] == names


async def test_spraying_many_usernames_from_one_address_is_throttled(auth: Authenticator) -> None:
    for n in range(auth.address_throttle.failures_allowed):
        await refused(auth, login(f"guess{n}"))
    assert await refused(auth, login("another")) is ErrorCode.LOGIN_THROTTLED


# Behind a proxy or a NAT one address is everyone's: a valid credential is never refused
# because others failed from it.


async def spray_unknown(auth: Authenticator, ip: str = IP) -> None:
    """Unknown tokens and usernames from ``ip`` until the address is throttled."""
    for n in range(auth.address_throttle.failures_allowed):
        hello = token_hello(new_device_token()) if n % 2 else login(f"guess{n}")
        assert await refused(auth, hello, ip=ip) is ErrorCode.UNAUTHORIZED
    assert await refused(auth, login("another"), ip=ip) is ErrorCode.LOGIN_THROTTLED


async def test_a_valid_kiosk_token_is_let_in_from_an_address_throttled_for_guesses(
    store: Store, auth: Authenticator
) -> None:
    _, token = await store.create_kiosk("北", "", actor="test", now=NOW)
    await spray_unknown(auth)
    principal, _ = await auth.authenticate(token_hello(token), IP, NOW)
    assert principal.role is Role.KIOSK


async def test_a_valid_password_is_let_in_from_an_address_throttled_for_guesses(
    auth: Authenticator, tanaka: str
) -> None:
    await spray_unknown(auth)
    principal, issued = await auth.authenticate(login(), IP, NOW)
    assert principal.id == tanaka
    assert issued is not None
    again, _ = await auth.authenticate(token_hello(issued.token), IP, NOW)  # and its session
    assert again.id == tanaka


async def test_from_a_throttled_address_a_wrong_password_looks_like_an_unknown_user(
    auth: Authenticator, tanaka: str
) -> None:
    # Otherwise the answers would tell a guesser which usernames exist.
    await spray_unknown(auth)
    assert await refused(auth, login(password="guess guess")) is ErrorCode.LOGIN_THROTTLED
    assert await refused(auth, login("nobody")) is ErrorCode.LOGIN_THROTTLED


async def test_one_guesser_does_not_lock_the_account_out_at_other_addresses(
    auth: Authenticator, tanaka: str
) -> None:
    for _ in range(SETTINGS.login_failures_allowed * 4):
        await refused(auth, login(password="guess guess"), ip="198.51.100.66")
    assert await refused(auth, login(), ip="198.51.100.66") is ErrorCode.LOGIN_THROTTLED
    principal, _ = await auth.authenticate(login(), IP, NOW)
    assert principal.id == tanaka


async def test_guesses_at_one_account_from_many_addresses_are_bounded(
    auth: Authenticator, tanaka: str
) -> None:
    allowed = auth.account_spread_throttle.failures_allowed
    addresses = [f"198.51.100.{n}" for n in range(allowed)]
    for ip in addresses:
        assert await refused(auth, login(password="guess guess"), ip=ip) is ErrorCode.UNAUTHORIZED
    assert await refused(auth, login(), ip="203.0.113.1") is ErrorCode.LOGIN_THROTTLED
    later = NOW + SETTINGS.login_throttle_seconds
    principal, _ = await auth.authenticate(login(), IP, later)
    assert principal.id == tanaka


# How often one client may come back.


async def test_a_kiosk_reconnecting_faster_than_allowed_is_told_to_wait(
    store: Store, auth: Authenticator
) -> None:
    _, token = await store.create_kiosk("東", "", actor="test", now=NOW)
    for _ in range(SETTINGS.reconnect_burst):
        await auth.authenticate(token_hello(token), IP, NOW)
    with pytest.raises(RemoteProtocolError) as caught:
        await auth.authenticate(token_hello(token), IP, NOW)
    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert "reconnecting too often" in caught.value.message
    seconds_per_reconnect = 60 / SETTINGS.reconnects_per_minute
    principal, _ = await auth.authenticate(token_hello(token), IP, NOW + seconds_per_reconnect)
    assert principal.role is Role.KIOSK


async def test_one_client_reconnecting_too_often_does_not_hold_up_another(
    store: Store, auth: Authenticator, tanaka: str
) -> None:
    _, token = await store.create_kiosk("西", "", actor="test", now=NOW)
    for _ in range(SETTINGS.reconnect_burst):
        await auth.authenticate(token_hello(token), IP, NOW)
    principal, _ = await auth.authenticate(login(), IP, NOW)
    assert principal.id == tanaka


async def test_a_refused_reconnect_is_not_audited_as_a_login(
    store: Store, auth: Authenticator
) -> None:
    _, token = await store.create_kiosk("南西", "", actor="test", now=NOW)
    for _ in range(SETTINGS.reconnect_burst):
        await auth.authenticate(token_hello(token), IP, NOW)
    logins = len(await store.list_audit())
    await refused(auth, token_hello(token))
    assert len(await store.list_audit()) == logins
