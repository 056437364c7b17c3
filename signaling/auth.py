"""Who may connect: password hashes, device and session tokens, TURN credentials, login throttle.

Kiosks present a device token issued once by an admin; staff log in with username and password
(argon2id) and get a short-lived session token to reconnect with. Tokens are stored only as
SHA-256 hashes: they are random, so a fast hash is enough and lookups stay exact.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from collections import OrderedDict, deque
from math import ceil
from typing import TYPE_CHECKING, NoReturn

import argon2

from signaling.limits import ReconnectLimit
from signaling.principal import IssuedSession, Principal
from signaling.protocol import ErrorCode, Hello, IceServer, RemoteProtocolError, Role
from signaling.settings import Settings
from signaling.store.errors import StoreError
from signaling.tokens import hash_token, new_session_token

if TYPE_CHECKING:
    from signaling.store import Account, Store

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256  # argon2 takes any length; this bounds the work one request costs
_ADDRESS_FACTOR = 10  # an address may fail this many times more than one account on it

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile (64 MiB, t=3).
_HASHER = argon2.PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Constant-time check; a malformed hash simply does not match."""
    try:
        return _HASHER.verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except argon2.exceptions.InvalidHashError:
        return True


class WeakPasswordError(ValueError):
    """A new password the policy refuses; the message says why, in Japanese and English."""


def check_new_password(new_password: str, old_password: str | None = None) -> None:
    if len(new_password) < MIN_PASSWORD_CHARS:
        raise WeakPasswordError(
            f"パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください "
            f"(a password has at least {MIN_PASSWORD_CHARS} characters)"
        )
    if len(new_password) > MAX_PASSWORD_CHARS:
        raise WeakPasswordError(
            f"パスワードは{MAX_PASSWORD_CHARS}文字以内にしてください "
            f"(a password has at most {MAX_PASSWORD_CHARS} characters)"
        )
    if old_password is not None and new_password == old_password:
        raise WeakPasswordError(
            "今のパスワードとは別のものにしてください (the new password must differ)"
        )


def turn_credentials(secret: str, user: str, now: float, ttl: int) -> tuple[str, str]:
    """The coturn REST API scheme (``use-auth-secret``): the password is HMAC-SHA1 of the name."""
    username = f"{int(now) + ttl}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(settings: Settings, user: str, now: float) -> list[IceServer]:
    """What a client may use for ICE: our STUN, and our TURN with fresh credentials."""
    servers = []
    if settings.stun_urls:
        servers.append(IceServer(urls=list(settings.stun_urls)))
    if settings.turn_urls and settings.turn_secret:
        username, credential = turn_credentials(
            settings.turn_secret, user, now, settings.turn_ttl_seconds
        )
        servers.append(
            IceServer(urls=list(settings.turn_urls), username=username, credential=credential)
        )
    return servers


class LoginThrottle:
    """Per-key limit on failed logins: at most ``failures_allowed`` in any ``window_seconds``.

    Pure: time comes in as ``now``. Memory stays bounded: an IP is forgotten once its last
    failure leaves the window, and at most ``max_ips`` are tracked (the stalest go first).
    """

    def __init__(self, failures_allowed: int, window_seconds: float, max_ips: int = 10_000) -> None:
        if failures_allowed < 1 or window_seconds <= 0 or max_ips < 1:
            raise ValueError("failures_allowed, window_seconds and max_ips must be positive")
        self.failures_allowed = failures_allowed
        self.window_seconds = window_seconds
        self.max_ips = max_ips
        # Ordered by last failure, oldest first, so expiry only ever looks at the front.
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, ip: str, now: float) -> float | None:
        """Seconds this IP must wait before trying again, or None if it may try now."""
        self._forget_before(now)
        failures = self._failures.get(ip)
        if failures is None or len(failures) < self.failures_allowed:
            return None
        wait = failures[0] + self.window_seconds - now
        return wait if wait > 0 else None

    def record_failure(self, ip: str, now: float) -> None:
        failures = self._failures.pop(ip, None)
        if failures is None:
            failures = deque(maxlen=self.failures_allowed)
        failures.append(now)
        self._failures[ip] = failures
        self._forget_before(now)
        while len(self._failures) > self.max_ips:
            self._failures.popitem(last=False)

    def record_success(self, ip: str) -> None:
        self._failures.pop(ip, None)

    def forgive_one(self, ip: str) -> None:
        """Take back one failure counted in advance for an attempt that then succeeded."""
        failures = self._failures.get(ip)
        if failures:
            failures.pop()
        if not failures:
            self._failures.pop(ip, None)

    def __len__(self) -> int:
        return len(self._failures)

    def _forget_before(self, now: float) -> None:
        while self._failures:
            ip, failures = next(iter(self._failures.items()))
            if failures[-1] + self.window_seconds > now:
                return
            del self._failures[ip]


class Authenticator:
    """Turns a ``Hello`` into a ``Principal``, or refuses it with the error code to send back.

    A valid credential is never refused because others failed from the same address (behind a
    proxy or a NAT, that address is everyone's): failures count per principal, and per address
    only for principals that do not exist. Guesses at one account are limited at each address,
    and more loosely across all of them, so one guesser elsewhere cannot lock its owner out.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._session_ttl = settings.session_token_ttl_seconds
        window = settings.login_throttle_seconds
        allowed = settings.login_failures_allowed
        # Wrong passwords for one account from one address (key "account@address").
        self.account_throttle = LoginThrottle(allowed, window)
        # Wrong passwords for one account from anywhere: a bound on distributed guessing.
        self.account_spread_throttle = LoginThrottle(allowed * _ADDRESS_FACTOR, window)
        # Unknown tokens and unknown usernames, per address.
        self.address_throttle = LoginThrottle(allowed * _ADDRESS_FACTOR, window)
        self.reconnects = ReconnectLimit(settings.reconnects_per_minute, settings.reconnect_burst)
        self._dummy_hash: str | None = None

    async def authenticate(
        self, hello: Hello, ip: str, now: float
    ) -> tuple[Principal, IssuedSession | None]:
        """Check a hello's credentials; the IssuedSession is set only for a password login."""
        token, username, password = hello.token, hello.username, hello.password
        if token is not None and (username is not None or password is not None):
            raise RemoteProtocolError(
                ErrorCode.UNAUTHORIZED, "send either a token or a username and password"
            )
        if token is not None:
            return await self._token_login(token, ip, now), None
        if username and password:
            return await self._password_login(username, password, ip, now)
        raise RemoteProtocolError(ErrorCode.UNAUTHORIZED, "hello carries no credentials")

    async def _token_login(self, token: str, ip: str, now: float) -> Principal:
        token_hash = hash_token(token)
        kiosk = await self._store.get_kiosk_by_token_hash(token_hash)
        if kiosk is not None:
            if kiosk.disabled:
                await self._refuse(ip, now, kiosk.id, "kiosk_disabled", ErrorCode.ACCOUNT_DISABLED)
            self._admit(kiosk.id, ip, now)
            await self._audit(kiosk.id, "login", kiosk.id, ip, now, method="device_token")
            return Principal(
                role=Role.KIOSK,
                id=kiosk.id,
                display_name=kiosk.name,
                location=kiosk.location,
                site_id=kiosk.site_id,
            )
        found = await self._store.get_session_with_account(token_hash)
        if found is None:
            # Only unknown tokens count: a real but expired or disabled one is not a guess.
            self._check_address(ip, now)
            self.address_throttle.record_failure(ip, now)
            await self._refuse(ip, now, "token", "unknown_token", ErrorCode.UNAUTHORIZED)
        session, account = found
        if account is None:
            await self._refuse(
                ip, now, session.account_id, "unknown_account", ErrorCode.UNAUTHORIZED
            )
        if session.expires_at <= now:
            await self._store.delete_session(token_hash)
            await self._refuse(ip, now, account.id, "session_expired", ErrorCode.SESSION_EXPIRED)
        if account.disabled:
            await self._refuse(ip, now, account.id, "account_disabled", ErrorCode.ACCOUNT_DISABLED)
        if account.must_change_password:  # a reset ends sessions; this is belt and braces
            await self._refuse(
                ip, now, account.id, "password_change_required", ErrorCode.PASSWORD_CHANGE_REQUIRED
            )
        self._admit(account.id, ip, now)
        await self._audit(account.id, "login", account.id, ip, now, method="session_token")
        return _account_principal(account)

    async def _password_login(
        self, username: str, password: str, ip: str, now: float
    ) -> tuple[Principal, IssuedSession]:
        account = await self._checked_password(username, password, ip, now)
        if account.must_change_password:
            # The right password, but a temporary one an admin set: good only for choosing a
            # new one (change_password), so whoever reads it off a note cannot work with it.
            await self._refuse(
                ip,
                now,
                account.id,
                "password_change_required",
                ErrorCode.PASSWORD_CHANGE_REQUIRED,
            )
        self._admit(account.id, ip, now)
        if password_needs_rehash(account.password_hash):
            new_hash = await asyncio.to_thread(hash_password, password)
            await self._store.set_password(
                account.id, new_hash, actor=account.id, now=now, ip=ip, revoke_sessions=False
            )
        token = new_session_token()
        expires_at = now + self._session_ttl
        await self._store.create_session(hash_token(token), account.id, now, expires_at)
        await self._audit(account.id, "login", account.id, ip, now, method="password")
        return _account_principal(account), IssuedSession(token=token, expires_at=expires_at)

    async def change_password(
        self, username: str, password: str, new_password: str, ip: str, now: float
    ) -> None:
        """Replace an account's password, proving the current one under the login throttle.

        The way out of a forced change, and for anyone who wants a new password. Every session
        ends; the next sign-in uses the new password. Raises RemoteProtocolError like a login,
        or WeakPasswordError for a new password the policy refuses (before any store write).
        """
        account = await self._checked_password(username, password, ip, now)
        check_new_password(new_password, password)
        new_hash = await asyncio.to_thread(hash_password, new_password)
        await self._store.change_own_password(account.id, new_hash, now=now, ip=ip)
        logger.info("= password changed user=%s ip=%s", account.username, ip)

    async def _checked_password(self, username: str, password: str, ip: str, now: float) -> Account:
        """The enabled account with this username and password, or a refusal (throttled)."""
        username = username.strip().lower()
        account = await self._store.get_account_by_username(username)
        if account is None:
            # A throttled address is refused before any hashing, and not audited: that would
            # let an attacker fill the audit log and the CPU as fast as it can send hellos.
            self._check_address(ip, now)
            self.address_throttle.record_failure(ip, now)
            # Spend the same time as a real check, so timing does not reveal who exists.
            await asyncio.to_thread(self._verify_dummy, password)
            await self._refuse(ip, now, username, "unknown_user", ErrorCode.UNAUTHORIZED)
        key = f"{account.id}@{ip}"
        for throttle, counted in (
            (self.account_throttle, key),
            (self.account_spread_throttle, account.id),
        ):
            if (wait := throttle.check(counted, now)) is not None:
                logger.warning("= login throttled ip=%s user=%s wait=%.0fs", ip, username, wait)
                raise _throttled(wait)
        # Counted before the slow hash, so parallel guesses cannot all slip past the limit.
        self.account_throttle.record_failure(key, now)
        self.account_spread_throttle.record_failure(account.id, now)
        if not await asyncio.to_thread(verify_password, account.password_hash, password):
            # From an address throttled for unknown names, a wrong password looks the same as
            # an unknown name, so the refusal does not tell which usernames exist.
            if (wait := self.address_throttle.check(ip, now)) is not None:
                raise _throttled(wait)
            await self._refuse(ip, now, account.id, "wrong_password", ErrorCode.UNAUTHORIZED)
        # Only after the password is right, so a guesser cannot learn that an account is disabled.
        if account.disabled:
            await self._refuse(ip, now, account.id, "account_disabled", ErrorCode.ACCOUNT_DISABLED)
        self.account_throttle.record_success(key)
        self.account_spread_throttle.forgive_one(account.id)  # others' guesses elsewhere stay
        return account

    def _check_address(self, ip: str, now: float) -> None:
        if (wait := self.address_throttle.check(ip, now)) is not None:
            logger.warning("= login throttled ip=%s wait=%.0fs", ip, wait)
            raise _throttled(wait)

    def _admit(self, principal_id: str, ip: str, now: float) -> None:
        """Bound how often one client may come back, however right its credentials."""
        if (wait := self.reconnects.admit(principal_id, now)) is not None:
            logger.warning(
                "= reconnecting too often id=%s ip=%s wait=%.1fs", principal_id, ip, wait
            )
            raise RemoteProtocolError(
                ErrorCode.RATE_LIMITED, f"reconnecting too often; try again in {ceil(wait)} s"
            )

    async def _refuse(
        self, ip: str, now: float, target: str, reason: str, code: ErrorCode
    ) -> NoReturn:
        await self._audit("anonymous", "login_failed", target, ip, now, reason=reason)
        logger.info("= login refused ip=%s target=%s reason=%s", ip, target, reason)
        raise RemoteProtocolError(code, _MESSAGES[code])

    async def _audit(
        self, actor: str, action: str, target: str, ip: str, now: float, **detail: str
    ) -> None:
        try:
            await self._store.append_audit(
                at=now, actor=actor, action=action, target=target, detail=detail, ip=ip
            )
        except StoreError as exc:
            # A full disk must not lock kiosks out of the service: the entry goes to the log.
            logger.error(
                "audit entry not stored (%s): at=%s actor=%s action=%s target=%s ip=%s %s",
                exc,
                now,
                actor,
                action,
                target,
                ip,
                detail,
            )

    def _verify_dummy(self, password: str) -> None:
        # Runs in a worker thread; two racing threads would just both make a dummy hash.
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_urlsafe(16))
        verify_password(self._dummy_hash, password)


# Deliberately vague: the client learns no more than it needs to act.
_MESSAGES = {
    ErrorCode.UNAUTHORIZED: "unknown user, wrong password or invalid token",
    ErrorCode.SESSION_EXPIRED: "your session has expired; log in again",
    ErrorCode.ACCOUNT_DISABLED: "this account or kiosk is disabled",
    ErrorCode.PASSWORD_CHANGE_REQUIRED: (
        "this password was set by an admin: choose a new one first (POST /account/password)"
    ),
}


def _throttled(wait: float) -> RemoteProtocolError:
    return RemoteProtocolError(
        ErrorCode.LOGIN_THROTTLED, f"too many failed logins; try again in {ceil(wait)} s"
    )


def _account_principal(account: Account) -> Principal:
    return Principal(
        role=account.role,
        id=account.id,
        display_name=account.display_name,
        departments=account.departments,
        name_reading=account.name_reading,
    )
