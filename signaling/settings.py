"""The hub's settings: one typed object from a TOML file plus ``MADOGUCHI_*`` environment variables.

The environment wins over the file, so a container can override one value without a new file.
Nothing here is global: ``load_settings`` returns a value that the caller passes down.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

import msgspec

from signaling.admin.kpis import DEFAULT_SERVICE_LEVEL_SECONDS
from signaling.forwarded import ProxyHeader, parse_networks

ENV_PREFIX = "MADOGUCHI_"

NonNegative = Annotated[int, msgspec.Meta(ge=0)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
Mode = Literal["development", "production"]
# How the admin page writes dates: 2026/12/07, or in the Japanese era, 令和8年12月07日.
DateStyle = Literal["western", "japanese_era"]
LOOPBACK = ["127.0.0.0/8", "::1/128"]


class SettingsError(ValueError):
    """A setting is missing, malformed or inconsistent; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"setting {field!r}: {message}")
        self.field = field
        self.message = message


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything the hub can be told; defaults suit one machine on loopback."""

    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 8765  # 0 picks a free port (tests)
    # Empty means the SQLite file under var_dir; filled in by __post_init__.
    database_url: str = ""
    var_dir: str = "var"
    grace_seconds: NonNegative = 30
    hello_timeout_seconds: Positive = 5
    # A socket that has not sent a whole HTTP request within this is closed (silent sockets,
    # slow headers); also how long an idle HTTP keep-alive connection is kept.
    handshake_timeout_seconds: Positive = 5
    max_frame_bytes: Positive = 65536
    rate_limit_per_second: Positive = 20
    rate_limit_burst: Positive = 60
    login_failures_allowed: Positive = 5
    login_throttle_seconds: Positive = 300
    # One client (a kiosk, a member of staff) may reconnect this often: a burst, then a steady rate.
    reconnect_burst: Positive = 20
    reconnects_per_minute: Positive = 30
    # One IP address: open WebSockets at once (a whole center may share one NAT address: raise
    # it above that center's kiosks plus consoles), and new ones in a burst, then at a steady rate.
    max_connections_per_address: Positive = 64
    address_reconnect_burst: Positive = 128
    address_reconnects_per_minute: Positive = 600
    allowed_origins: list[str] = msgspec.field(
        default_factory=lambda: ["http://127.0.0.1:8765", "http://localhost:8765"]
    )
    # Never fall back to a public STUN server: city networks must not leak to third parties.
    stun_urls: list[str] = []
    turn_urls: list[str] = []
    turn_secret: str | None = None
    turn_ttl_seconds: Positive = 3600
    session_token_ttl_seconds: Positive = 10 * 3600
    city_file: str | None = None  # None: serve the directory already in the store
    # How often the hub expires sessions, drops disabled clients and purges old history.
    housekeeping_seconds: Positive = 60
    # Consultation history older than this is deleted; five years by default.
    history_retention_days: Positive = 1826
    # The service level is the share of consultations answered within this many seconds of
    # the request, on the admin page and on /metrics alike.
    service_level_seconds: Positive = DEFAULT_SERVICE_LEVEL_SECONDS
    admin_date_style: DateStyle = "western"
    log_level: LogLevel = "INFO"
    # "production" refuses to start with a setting that is only safe on a developer's machine.
    mode: Mode = "development"
    # Reverse proxies whose forwarded headers are believed (docs/operations.md, the proxy part).
    trusted_proxies: list[str] = []
    proxy_header: ProxyHeader = ProxyHeader.X_FORWARDED_FOR
    # The operator's word that a proxy in front terminates TLS for a public bind.
    tls_terminated_by_proxy: bool = False
    # The hub's own TLS, for a public bind without a proxy.
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    # Who may read /metrics, after the trusted-proxies rule.
    metrics_allow: list[str] = msgspec.field(default_factory=lambda: list(LOOPBACK))

    def __post_init__(self) -> None:
        if not self.database_url:
            url = f"sqlite+aiosqlite:///{self.var_dir}/madoguchi.db"
            msgspec.structs.force_setattr(self, "database_url", url)
        for url in self.stun_urls:
            if not url.startswith(("stun:", "stuns:")):
                raise SettingsError("stun_urls", f"{url!r} is not a stun: or stuns: URL")
        for url in self.turn_urls:
            if not url.startswith(("turn:", "turns:")):
                raise SettingsError("turn_urls", f"{url!r} is not a turn: or turns: URL")
        # Browsers refuse a TURN server without credentials, so this is never what was meant.
        if self.turn_urls and not self.turn_secret:
            raise SettingsError("turn_secret", "turn_urls are set but turn_secret is not")
        for field in ("trusted_proxies", "metrics_allow"):
            try:
                parse_networks(getattr(self, field))
            except ValueError as exc:
                raise SettingsError(field, str(exc)) from None
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise SettingsError(
                "tls_cert_file", "set both tls_cert_file and tls_key_file, or neither"
            )

    def __repr__(self) -> str:  # never log the TURN secret or database password
        return f"Settings(host={self.host!r}, port={self.port}, var_dir={self.var_dir!r})"


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(path: str | None, environ: Mapping[str, str]) -> Settings:
    """Read ``path`` (TOML, optional), apply ``MADOGUCHI_<FIELD>`` overrides, validate."""
    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if path is not None:
        try:
            with open(path, "rb") as file:
                raw = tomllib.load(file)
        except OSError as exc:
            raise SettingsError("config", f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError("config", f"{path} is not valid TOML: {exc}") from None
        sources = {key: f"{path}: {key}" for key in raw}
    for field, text in _from_environ(environ).items():
        raw[field] = text
        sources[field] = env_name(field)
    try:
        return msgspec.convert(raw, Settings)
    except msgspec.ValidationError as exc:
        raise _settings_error(str(exc), sources) from None


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    # Other MADOGUCHI_ variables (for tests or other programs) are not ours, so ignore them.
    hints = get_type_hints(Settings, include_extras=True)
    values: dict[str, Any] = {}
    for field in Settings.__struct_fields__:
        text = environ.get(env_name(field))
        if text is not None:
            values[field] = _parse_env(field, hints[field], text)
    return values


def _parse_env(field: str, kind: Any, text: str) -> Any:
    base = get_args(kind)[0] if get_origin(kind) is Annotated else kind
    if base is int:
        try:
            return int(text)
        except ValueError:
            raise SettingsError(
                field, f"{text!r} is not a whole number (from {env_name(field)})"
            ) from None
    if get_origin(base) is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    if type(None) in get_args(base) and text == "":
        return None
    if base is bool:
        if text.lower() in _BOOLEANS:
            return _BOOLEANS[text.lower()]
        raise SettingsError(field, f"{text!r} is not true or false (from {env_name(field)})")
    if field == "log_level":
        return text.upper()
    return text


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

_PATH = re.compile(r" - at `\$\.(\w+)[^`]*`$")
_UNKNOWN = re.compile(r"unknown field `(\w+)`")
_OURS = re.compile(r"^setting '(\w+)': (.*)$")


def _settings_error(message: str, sources: Mapping[str, str]) -> SettingsError:
    """Turn msgspec's message into one that names the field and where its value came from."""
    if match := _OURS.match(message):  # raised by __post_init__, wrapped by msgspec
        field, text = match.groups()
    elif match := _UNKNOWN.search(message):
        field, text = match.group(1), "no such setting"
    elif match := _PATH.search(message):
        field, text = match.group(1), message[: match.start()]
    else:
        field, text = "config", message
    return SettingsError(field, _with_source(text, sources.get(field)))


def _with_source(message: str, source: str | None) -> str:
    return f"{message} (from {source})" if source else message
