"""Who is on the other end of a connection, as established by auth."""

from __future__ import annotations

from dataclasses import dataclass

from signaling.protocol import Role


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    id: str
    display_name: str
    # Staff: the departments they serve. Empty for other roles.
    departments: tuple[str, ...] = ()
    # Kiosks: where the kiosk stands, shown to staff.
    location: str = ""
    # Kiosks: the site (a ward office or community center) it belongs to, which decides the
    # ward whose desks answer it first (signaling/routing.py). None: no ward, city-wide.
    site_id: str | None = None
    # Staff: the display name in kana, from which kiosks show it to each citizen (language/).
    name_reading: str = ""


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A staff session token handed out by a password login, returned in the Welcome."""

    token: str
    expires_at: float
