"""The roster's grace deadlines: the soonest is found without scanning every client."""

from __future__ import annotations

import random

from signaling import protocol as p
from signaling.principal import Principal
from signaling.roster import Roster
from signaling.session import Client


def client(role: p.Role, number: int) -> Client:
    return Client(principal=Principal(role, f"{role}-{number}", f"#{number}"), resume_token="")


def test_the_next_grace_deadline_follows_every_change() -> None:
    rng = random.Random(12)
    roster = Roster()
    clients = [client(role, n) for role in (p.Role.KIOSK, p.Role.STAFF) for n in range(30)]
    for c in clients:
        roster.add(c)
    for _ in range(3000):
        c = rng.choice(clients)
        # Restarts give many clients the same deadline; reconnects clear it; drops set it again.
        deadline = rng.choice([None, None, 100.0, float(rng.randrange(50, 150))])
        roster.set_grace(c, deadline)
        expected = min(
            (c.grace_deadline for c in clients if c.grace_deadline is not None), default=None
        )
        assert roster.next_grace_deadline() == expected
        if expected is not None and rng.random() < 0.05:
            for expired in roster.grace_expired(expected):  # the timer fires
                roster.set_grace(expired, None)
            assert all(c.grace_deadline is None or c.grace_deadline > expected for c in clients)
