"""A kiosk card's network health: what the hub sees of the kiosk's link and of its call."""

from __future__ import annotations

from signaling.admin.live_state import Quality
from signaling.admin.snapshot import network_health
from signaling.principal import Principal
from signaling.protocol import Role
from signaling.session import Client

GOOD = Quality(at=1.0, rtt_ms=40.0, loss_percent=0.5, fps=25.0, bitrate_kbps=700.0)
LOSSY = Quality(at=2.0, rtt_ms=40.0, loss_percent=12.0, fps=25.0, bitrate_kbps=700.0)


def kiosk(*, connected: bool = True, online: bool = True) -> Client:
    principal = Principal(Role.KIOSK, "k1", "中央公民館")
    return Client(principal, "resume", online=online, conn=1 if connected else None)


def test_a_connected_kiosk_outside_a_call_is_ok() -> None:
    assert network_health(kiosk(), {}) == "ok"


def test_an_offline_kiosk_has_no_network_health() -> None:
    assert network_health(None, {}) is None
    assert network_health(kiosk(connected=False, online=False), {}) is None


def test_a_kiosk_whose_link_dropped_within_its_grace_is_reconnecting() -> None:
    assert network_health(kiosk(connected=False), {Role.KIOSK: [GOOD]}) == "reconnecting"


def test_a_call_struggling_at_either_end_makes_the_kiosk_network_poor() -> None:
    assert network_health(kiosk(), {Role.KIOSK: [GOOD], Role.STAFF: [GOOD]}) == "ok"
    assert network_health(kiosk(), {Role.KIOSK: [GOOD], Role.STAFF: [LOSSY]}) == "poor"
    # Only the latest report counts: a call that recovered is ok again.
    assert network_health(kiosk(), {Role.KIOSK: [LOSSY, GOOD]}) == "ok"
