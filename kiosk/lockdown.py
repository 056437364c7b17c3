"""The admin exit: a PIN, hashed in the settings, with a throttle on wrong guesses.

The way in is a long press (3 s or more) on a hidden corner: the kiosk's only long press
(docs/kiosk-rules.md, "Touch"). The PIN is typed on an on-screen keypad; the settings hold only a
salted PBKDF2 hash (`madoguchi-kiosk --hash-pin` makes one).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Final

LONG_PRESS_SECONDS: Final = 3.0
ADMIN_EXIT_CODE: Final = 64  # the systemd unit does not restart after this one
_ITERATIONS: Final = 200_000
_SCHEME: Final = "pbkdf2_sha256"


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = _ITERATIONS) -> str:
    """``pbkdf2_sha256$iterations$salt$hash`` (hex), for the settings file."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != _SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


@dataclass
class PinGate:
    """Checks PINs, and locks for `lock_seconds` after `max_failures` wrong ones in a row."""

    pin_hash: str = field(repr=False)
    max_failures: int = 5
    lock_seconds: float = 60.0
    _failures: int = 0
    _locked_until: float = 0.0

    def locked(self, now: float) -> bool:
        return now < self._locked_until

    def check(self, pin: str, now: float) -> bool:
        if self.locked(now) or not self.pin_hash:
            return False
        if verify_pin(pin, self.pin_hash):
            self._failures = 0
            return True
        self._failures += 1
        if self._failures >= self.max_failures:
            self._failures = 0
            self._locked_until = now + self.lock_seconds
        return False
