"""An account's own password change at the hub (`POST /account/password`), for the console.

After an admin gives someone a temporary password, the hub refuses it everywhere else
(`password_change_required`) until its owner chooses their own here. The endpoint sits next to
the WebSocket (`wss://host/ws` → `https://host/account/password`), so it goes through the same
reverse proxy and trusts the same CA. Blocking (the stdlib's HTTP client, which the console's
Windows bundle has anyway): call it from a worker thread.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from call.link import tls_context

PATH: Final = "/account/password"
TIMEOUT_SECONDS: Final = 10.0


class PasswordChangeError(Exception):
    """The change did not happen. `reason` is the hub's error (`unauthorized`,
    `weak_password`, `login_throttled`, …) or `unreachable` when the hub was not reached."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def password_url(server: str) -> str:
    """The endpoint beside the hub's WebSocket URL: its scheme made HTTP, its path's /ws
    replaced (a proxy may serve the hub under a prefix)."""
    parts = urlsplit(server)
    schemes = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
    if parts.scheme not in schemes or not parts.netloc:
        raise PasswordChangeError("unreachable", f"not a hub address: {server!r}")
    prefix = parts.path[: -len("/ws")] if parts.path.endswith("/ws") else parts.path
    return urlunsplit((schemes[parts.scheme], parts.netloc, prefix.rstrip("/") + PATH, "", ""))


def change_password(
    server: str, username: str, password: str, new_password: str, *, ca_file: str | None = None
) -> None:
    """Replace `username`'s password, proving the current one; raises PasswordChangeError."""
    body = json.dumps(
        {"username": username, "password": password, "new_password": new_password}
    ).encode()
    request = urllib.request.Request(
        password_url(server),
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    context = tls_context(ca_file)  # the system's CAs and the city's, as the link trusts
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=context):
            return
    except urllib.error.HTTPError as error:
        raise _refusal(error) from None
    except (urllib.error.URLError, OSError) as error:  # no route, refused, TLS, timeout
        reason = getattr(error, "reason", error)
        raise PasswordChangeError("unreachable", str(reason)) from None


def _refusal(error: urllib.error.HTTPError) -> PasswordChangeError:
    try:
        answer = json.loads(error.read() or b"{}")
        reason, message = str(answer["error"]), str(answer.get("message", ""))
    except (ValueError, KeyError, TypeError):  # a proxy's own error page, not the hub's
        reason, message = "unreachable", f"HTTP {error.code} {error.reason}"
    return PasswordChangeError(reason, message)
