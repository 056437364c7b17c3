"""Random device and session tokens, and the hash they are stored as."""

from __future__ import annotations

import hashlib
import secrets

_TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, so a token needs no slow hash


def new_device_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def new_session_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256: tokens are random, so a fast hash is enough and lookups stay exact."""
    return hashlib.sha256(token.encode()).hexdigest()
