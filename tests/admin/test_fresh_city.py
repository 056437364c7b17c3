"""A city that starts from nothing: no demo, no city file. An operator creates the first admin
and a kiosk with madoguchi-admin, the admin sets up a department, a topic and a staff account
through the admin API, and a citizen's consultation goes all the way to a wrap-up, with one of
the outcome codes the city got at its first start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from call.link import Credentials
from signaling import protocol as p
from signaling.app import create_app, server_options
from signaling.outcome_codes import DEFAULTS
from signaling.settings import load_settings
from tests.participant import Participant, eventually

from .admin_hub import free_port

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def madoguchi_admin(config: Path, *args: str, stdin: str = "") -> str:
    """The real command, in its own process, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    done = subprocess.run(
        [sys.executable, "-m", "signaling.admin_cli", "--config", str(config), *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_fresh_city_set_up_by_cli_and_admin_api_completes_a_consultation(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    port = free_port()
    config = tmp_path / "hub.toml"
    config.write_text(
        f'var_dir = "{tmp_path / "var"}"\nport = {port}\n'
        f'allowed_origins = ["http://127.0.0.1:{port}"]\n',
        encoding="utf-8",
    )
    madoguchi_admin(config, "add-staff", "sato", "--role", "admin", "--display-name", "佐藤",
                    "--password-stdin", stdin="first-admin-pass\n")  # fmt: skip
    kiosk_token = madoguchi_admin(
        config, "add-kiosk", "--name", "本庁舎1F", "--location", "正面玄関"
    ).strip()
    settings = load_settings(str(config), {})
    server = await aiohttp_server(
        create_app(settings), host="127.0.0.1", port=port, **server_options(settings)
    )
    base, origin = f"http://127.0.0.1:{port}", {"Origin": f"http://127.0.0.1:{port}"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        signed_in = await http.post(
            f"{base}/admin/api/login",
            json={"username": "sato", "password": "first-admin-pass"},
            headers=origin,
        )
        assert signed_in.status == 200
        headers = {**origin, "X-CSRF-Token": (await signed_in.json())["csrf"]}

        async def call(method: str, path: str, body: Any = None) -> Any:
            async with http.request(
                method, f"{base}/admin/api{path}", json=body, headers=headers
            ) as response:
                assert response.status in (200, 201), (path, await response.text())
                return await response.json()

        # The city got its outcome codes at its first start, in six languages, for all to see.
        codes = await call("GET", "/outcome-codes")
        assert [c["code"] for c in codes] == [o.code for o in DEFAULTS]
        assert all(len(c["names"]) == 6 for c in codes)
        hours = {"weekly": ALWAYS, "national_holidays_closed": False}
        await call("PUT", "/departments/shimin", {"names": {"ja": "市民課"}, "hours": hours})
        await call("PUT", "/categories/juminhyo",
                   {"department_id": "shimin", "names": {"ja": "住民票"}})  # fmt: skip
        await call("POST", "/accounts", {"username": "kato", "display_name": "加藤",
                   "password": "kato-password-1", "departments": ["shimin"]})  # fmt: skip
        ws = f"ws://127.0.0.1:{port}/ws"
        async with (
            Participant(ws, Credentials(token=kiosk_token)) as kiosk,
            Participant(ws, Credentials(username="kato", password="kato-password-1")) as kato,
        ):
            directory = await kiosk.expect(p.Directory)
            assert [c.id for c in directory.categories] == ["juminhyo"]
            await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
            queued = await kiosk.expect(p.Queued)
            await kato.send(p.Accept(session_id=queued.session_id))
            await kiosk.expect(p.SessionStarted)
            await kiosk.send(p.HangUp(session_id=queued.session_id))
            assert (await kiosk.expect(p.SessionEnded)).reason is p.EndReason.COMPLETED
            await kato.send(p.WrapUp(session_id=queued.session_id, outcome_code="resolved",
                                     note="写しを交付"))  # fmt: skip
            await kato.expect(p.WrapUpSaved, session_id=queued.session_id)

        async def wrapped_up() -> bool:
            rows = (await call("GET", "/history"))["rows"]
            return bool(rows) and rows[0]["outcome_code"] == "resolved"

        await eventually(wrapped_up)
        [row] = (await call("GET", "/history"))["rows"]
        assert (row["end_reason"], row["staff"], row["kiosk"]) == (
            "completed",
            ["加藤"],
            "本庁舎1F",
        )
        actions = [e["action"] for e in await call("GET", "/audit")]
        assert "outcome_codes_defaulted" in actions
    await server.close()
