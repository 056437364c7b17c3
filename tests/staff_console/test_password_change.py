"""A temporary password replaced from the console's login, before the first real login.

The controller's rules without a network; the endpoint's address; and the whole way through a
real hub, with the console's own dialog and engine adapter.
"""

from __future__ import annotations

import pytest

from call.account import PasswordChangeError, password_url
from signaling import protocol as p
from staff_console.core.engine_port import HubConnected, HubRefused, PasswordRefused
from staff_console.core.viewmodels import Stage
from tests.staff_console import messages as m
from tests.staff_console.test_controller import Console

HUB = "wss://madoguchi.city.example/ws"


def asked_for_a_new_password() -> Console:
    console = Console()
    console.controller.submit_login(HUB, "tanaka", "temporary-1234")
    console.hear(HubRefused(p.ErrorCode.PASSWORD_CHANGE_REQUIRED, "choose a new password"))
    return console


def error_key(console: Console) -> str | None:
    error = console.view.login.error
    return None if error is None else error.key


def test_a_temporary_password_opens_the_new_password_fields() -> None:
    console = asked_for_a_new_password()
    assert console.view.stage is Stage.LOGIN
    assert console.view.login.new_password
    assert error_key(console) == "login.error.password_change"


def test_the_new_password_is_changed_at_the_hub_then_the_console_is_logged_in() -> None:
    console = asked_for_a_new_password()
    console.controller.submit_new_password(
        HUB, "tanaka", "temporary-1234", "my own words", "my own words"
    )
    assert console.engine.named("change_password") == [
        (HUB, "tanaka", "temporary-1234", "my own words")
    ]
    assert console.view.stage is Stage.CONNECTING
    console.hear(HubConnected(m.welcome()))  # the adapter logged in with the new one
    assert console.view.stage is Stage.READY
    assert not console.view.login.new_password


@pytest.mark.parametrize(
    ("new", "again", "key"),
    [
        ("my own words", "my own wordz", "password.error.mismatch"),
        ("temporary-1234", "temporary-1234", "password.error.same"),
        ("", "", "login.error.missing"),
    ],
)
def test_a_new_password_typed_wrong_is_caught_before_the_hub(
    new: str, again: str, key: str
) -> None:
    console = asked_for_a_new_password()
    console.controller.submit_new_password(HUB, "tanaka", "temporary-1234", new, again)
    assert console.engine.named("change_password") == []
    assert console.view.stage is Stage.LOGIN
    assert error_key(console) == key
    assert console.view.login.new_password  # still asking


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("weak_password", "password.error.weak"),
        ("unauthorized", "login.error.unauthorized"),
        ("login_throttled", "login.error.throttled"),
        ("unreachable", "password.error.unreachable"),
        ("something_new", "login.error.other"),
    ],
)
def test_a_change_the_hub_refuses_says_why_and_asks_again(reason: str, key: str) -> None:
    console = asked_for_a_new_password()
    console.controller.submit_new_password(HUB, "tanaka", "temporary-1234", "short", "short")
    console.hear(PasswordRefused(reason, "パスワードは8文字以上にしてください"))
    assert console.view.stage is Stage.LOGIN
    assert error_key(console) == key
    assert console.view.login.new_password


def test_without_the_hubs_request_there_is_no_password_change() -> None:
    console = Console()
    console.controller.submit_new_password(HUB, "tanaka", "secret-1234", "new one!", "new one!")
    assert console.engine.named("change_password") == []


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("wss://madoguchi.city.example/ws", "https://madoguchi.city.example/account/password"),
        ("ws://127.0.0.1:8765/ws", "http://127.0.0.1:8765/account/password"),
        ("wss://lgwan.example/madoguchi/ws", "https://lgwan.example/madoguchi/account/password"),
    ],
)
def test_the_endpoint_sits_beside_the_hubs_websocket(server: str, url: str) -> None:
    assert password_url(server) == url


def test_an_address_that_is_no_hub_is_refused_as_unreachable() -> None:
    with pytest.raises(PasswordChangeError) as refused:
        password_url("madoguchi.city.example")
    assert refused.value.reason == "unreachable"
