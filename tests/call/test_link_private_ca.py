"""A kiosk or console trusts a city's private CA for wss:// (Link's ca_file), and only then.

The hub is the real one, serving TLS on loopback with a certificate that a private CA made in
this test signed, as a city's own CA would for an LGWAN-side hub.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from asyncio import timeout as asyncio_timeout
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_aiohttp import AiohttpServer

from call.devices import MediaSettings
from call.engine import Engine, EngineEvent, EngineSettings, LinkChanged
from call.link import Credentials, Link, LinkConnected, LinkDisconnected, LinkState
from signaling.app import create_app
from signaling.demo import seed_demo
from signaling.settings import Settings
from signaling.store import Store
from tests.participant import UNIT


@dataclass(frozen=True)
class PrivateCA:
    ca_file: Path  # what kiosks and consoles are given
    server: ssl.SSLContext  # what the hub (or its proxy) serves


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "窓口市"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    folder = tmp_path_factory.mktemp("ca")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("窓口市 private CA"))
        .issuer_name(_name("窓口市 private CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    hub_key = ec.generate_private_key(ec.SECP256R1())
    hub = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(hub_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "city-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = folder / "hub.pem"
    chain.write_bytes(hub.public_bytes(serialization.Encoding.PEM))
    key = folder / "hub.key"
    key.write_bytes(
        hub_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(chain, key)
    return PrivateCA(ca_file=ca_file, server=server)


@pytest.fixture
async def tls_hub(
    private_ca: PrivateCA, tmp_path: Path, aiohttp_server: AiohttpServer
) -> tuple[str, str]:
    """The wss:// URL of a real hub serving the private CA's certificate, and a kiosk token."""
    settings = Settings(var_dir=str(tmp_path / "var"), port=0)
    store = await Store.open(settings.database_url)
    try:
        token = (await seed_demo(store)).kiosks[0].token
    finally:
        await store.close()
    server = await aiohttp_server(create_app(settings), host="127.0.0.1", ssl=private_ca.server)
    return f"wss://localhost:{server.port}/ws", token


async def first_event(link: Link) -> LinkConnected | LinkDisconnected:
    async with asyncio_timeout(UNIT):
        async for event in link.events():
            if isinstance(event, LinkConnected | LinkDisconnected):
                return event
    raise AssertionError("the link ended without connecting or failing")


async def test_a_link_given_the_city_ca_connects_to_a_hub_it_signed(
    tls_hub: tuple[str, str], private_ca: PrivateCA
) -> None:
    url, token = tls_hub
    link = Link(url, Credentials(token=token), app="test", ca_file=str(private_ca.ca_file))
    await link.start()
    try:
        event = await first_event(link)
        assert isinstance(event, LinkConnected), event
        assert event.welcome.role.value == "kiosk"
    finally:
        await link.close()


async def test_without_the_city_ca_the_link_refuses_the_hub_and_says_why(
    tls_hub: tuple[str, str],
) -> None:
    url, token = tls_hub
    link = Link(url, Credentials(token=token), app="test", backoff_initial=5 * UNIT)
    await link.start()
    try:
        event = await first_event(link)
        assert isinstance(event, LinkDisconnected), event
        assert "CERTIFICATE_VERIFY_FAILED" in event.reason
    finally:
        await link.close()


def test_a_missing_ca_file_is_a_configuration_error_at_once(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Link("wss://hub.city.example/ws", Credentials(token="t"), ca_file=str(tmp_path / "no.pem"))


async def test_the_engine_hands_its_ca_file_to_the_link(
    tls_hub: tuple[str, str], private_ca: PrivateCA
) -> None:
    url, token = tls_hub
    connected = asyncio.Event()

    def emit(event: EngineEvent) -> None:
        if isinstance(event, LinkChanged) and event.state is LinkState.CONNECTED:
            connected.set()

    settings = EngineSettings(
        url=url, app="test", media=MediaSettings(synthetic=True), ca_file=str(private_ca.ca_file)
    )
    engine = Engine(settings, Credentials(token=token), emit)
    await engine.start()
    try:
        await asyncio.wait_for(connected.wait(), UNIT)
    finally:
        await engine.close()
