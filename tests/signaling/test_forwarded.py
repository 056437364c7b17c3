"""The trusted-proxies rule: only a trusted peer's header is believed, and only up to itself."""

from __future__ import annotations

import pytest

from signaling.forwarded import Client, ProxyHeader, ProxyTrust, parse_address, parse_networks

PROXY = "10.0.0.5"
TRUST = ProxyTrust(parse_networks(["10.0.0.0/24", "::1/128"]))
FORWARDED = ProxyTrust(parse_networks(["10.0.0.0/24"]), ProxyHeader.FORWARDED)


def test_an_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    headers = {"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https"}
    assert TRUST.client("203.0.113.9", "http", headers) == Client("203.0.113.9", "http")


def test_a_trusted_proxy_names_the_client_and_its_scheme() -> None:
    headers = {"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https"}
    assert TRUST.client(PROXY, "http", headers) == Client("192.0.2.1", "https")


def test_the_rightmost_untrusted_address_wins_over_what_the_client_wrote() -> None:
    # The attacker sent "X-Forwarded-For: 192.0.2.1"; our proxy appended its real address.
    headers = {"X-Forwarded-For": "192.0.2.1, 198.51.100.7"}
    assert TRUST.client(PROXY, "http", headers).address == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_through() -> None:
    headers = {"X-Forwarded-For": "198.51.100.7, 10.0.0.9"}
    assert TRUST.client(PROXY, "http", headers).address == "198.51.100.7"


def test_a_trusted_peer_without_the_header_is_itself_the_client() -> None:
    assert TRUST.client(PROXY, "http", {}) == Client(PROXY, "http")


@pytest.mark.parametrize("garbage", ["unknown", "<script>", "999.1.1.1"])
def test_an_unreadable_hop_stops_at_the_last_readable_one(garbage: str) -> None:
    headers = {"X-Forwarded-For": f"{garbage}, 10.0.0.9"}
    assert TRUST.client(PROXY, "http", headers).address == "10.0.0.9"


def test_an_ipv4_mapped_peer_is_matched_as_ipv4() -> None:
    headers = {"X-Forwarded-For": "192.0.2.1"}
    assert TRUST.client("::ffff:10.0.0.5", "http", headers).address == "192.0.2.1"


def test_the_forwarded_header_is_read_when_the_proxy_writes_it() -> None:
    headers = {"Forwarded": 'for=192.0.2.1;proto=http, for="[2001:db8::1]:4711";proto=https'}
    assert FORWARDED.client(PROXY, "http", headers) == Client("2001:db8::1", "https")


def test_only_the_configured_header_is_read() -> None:
    # A proxy that writes Forwarded passes a client's own X-Forwarded-For through untouched.
    headers = {"X-Forwarded-For": "192.0.2.1", "Forwarded": "for=198.51.100.7"}
    assert FORWARDED.client(PROXY, "http", headers).address == "198.51.100.7"
    assert TRUST.client(PROXY, "http", headers).address == "192.0.2.1"


@pytest.mark.parametrize(
    ("text", "address"),
    [("192.0.2.1:4711", "192.0.2.1"), ('"[::1]:80"', "::1"), (" 10.1.2.3 ", "10.1.2.3")],
)
def test_addresses_are_read_with_ports_brackets_and_quotes(text: str, address: str) -> None:
    assert str(parse_address(text)) == address


def test_a_bad_network_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33'"):
        parse_networks(["10.0.0.0/8", "10.0.0.0/33"])
