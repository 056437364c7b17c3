"""The shipped alert rules on Debian's real Prometheus, scraping a real hub that a kiosk leaves.

promtool's unit tests (test_deploy_files.py) feed made-up series; this checks that the hub's own
/metrics, as Prometheus scrapes and labels it, turns a kiosk's departure into the kiosk alert,
and the hub's end into HubDown instead.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fixtures.hub import RunningHub, start_hub
from tests.participant import UNIT, Participant, eventually

ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    return await start_hub(tmp_path, aiohttp_server)  # the demo city, open around the clock


@pytest.fixture
def prometheus(hub: RunningHub, tmp_path: Path) -> Iterator[str]:
    """Prometheus scraping the hub every second with the shipped rules, evaluated every second;
    the job name is the one deploy/prometheus/prometheus.yml gives the hub."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed (make system-packages installs it)")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{ALERTS}']\n"
        "scrape_configs:\n"
        "  - job_name: madoguchi-hub\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{hub.server.port}']}}]\n"
    )
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address={address}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://{address}"
    finally:
        process.terminate()
        process.wait(timeout=UNIT * 2)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def api(http: aiohttp.ClientSession, url: str) -> Any:
    try:
        async with http.get(url) as response:
            if response.status == 503:  # listening, but its storage not ready yet (a slow start)
                return None
            body = await response.json()
    except aiohttp.ClientConnectionError:
        return None  # Prometheus still starting
    return body["data"]


async def alerts(http: aiohttp.ClientSession, prometheus: str) -> set[tuple[str, str, str]]:
    data = await api(http, f"{prometheus}/api/v1/alerts")
    return {
        (a["labels"]["alertname"], a["state"], a["labels"].get("kiosk", ""))
        for a in (data or {}).get("alerts", [])
    }


async def test_a_kiosk_leaving_in_opening_hours_raises_its_alert_and_a_stopped_hub_hub_down(
    hub: RunningHub, prometheus: str, http: aiohttp.ClientSession
) -> None:
    kiosk_id = hub.demo.kiosks[0].kiosk_id
    query = f"{prometheus}/api/v1/query?query=madoguchi_kiosk_connected"

    async def kiosk_scraped() -> bool:
        data = await api(http, query)
        return bool(data) and [r["metric"]["kiosk"] for r in data["result"]] == [kiosk_id]

    async def alerted(expected: set[tuple[str, str, str]]) -> bool:
        return await alerts(http, prometheus) == expected

    async with Participant(hub.url, hub.kiosk(0)):
        await eventually(kiosk_scraped, within=UNIT * 3)
        # Before the first scrape the hub's target is absent, so HubDown is briefly pending.
        await eventually(lambda: alerted(set()), within=UNIT * 2)
    # Pending: the rule holds now, and fires after its 10 minutes.
    await eventually(
        lambda: alerted({("MadoguchiKioskOffline", "pending", kiosk_id)}), within=UNIT * 2
    )

    await hub.server.close()
    await eventually(lambda: alerted({("MadoguchiHubDown", "pending", "")}), within=UNIT * 2)
