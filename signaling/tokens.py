"""Random device and session tokens, and the hash they are stored as."""

from __future__ import annotations

import hashlib
import secrets

_TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, so a token needs no slow hash


def _new_token() -> str:
    """URL-safe base64 that never starts with "-".

    One token in 64 would otherwise begin with "-", and `--token VALUE` then reads as an option
    to argparse and every other getopt-style parser. Drawing again keeps the tokens uniform over
    the rest (256 bits less a fraction of one), and tokens issued before stay valid: the hub only
    compares hashes.
    """
    while True:
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        if not token.startswith("-"):
            return token


def new_device_token() -> str:
    return _new_token()


def new_session_token() -> str:
    return _new_token()


def hash_token(token: str) -> str:
    """SHA-256: tokens are random, so a fast hash is enough and lookups stay exact."""
    return hashlib.sha256(token.encode()).hexdigest()
