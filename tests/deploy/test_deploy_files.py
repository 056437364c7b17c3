"""deploy/ checked by the tools that will read it: systemd, promtool, nginx and docker-compose.

Each tool is a Debian package in the Makefile's APT_PACKAGES, so in CI none of these skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from signaling.metrics import HubMetrics
from signaling.production import check_settings
from signaling.settings import load_settings
from signaling.store import ConsultationRecord
from signaling.switchboard import Overview

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HUB_UNIT = DEPLOY / "hub" / "madoguchi-hub.service"
PROMETHEUS = DEPLOY / "prometheus"
COMPOSE = DEPLOY / "compose"
NGINX_SITE = DEPLOY / "nginx" / "madoguchi.conf"
TIMEOUT = 60

UNIT_SUFFIXES = (".service", ".socket", ".target", ".timer", ".path")
# The hub unit's exposure on `systemd-analyze security`'s scale of 0-100 (shown as 0.0-10.0).
HUB_EXPOSURE_AT_MOST = 20
# A compose service needs a healthcheck; nothing secret may be spelled out in the file.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|_KEY$", re.IGNORECASE)
COMPOSE_SERVICES = {"hub", "postgres", "coturn", "prometheus", "grafana", "nginx"}


async def nothing_stored(since: float, until: float) -> Sequence[ConsultationRecord]:
    return []


def tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{name} is not installed (make system-packages installs it)")
    return path


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )


# systemd units ----------------------------------------------------------------------------


def units() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in UNIT_SUFFIXES)


def executables(unit: Path) -> set[str]:
    """The absolute programs a unit runs, without the Exec prefixes (@, -, :, +, !)."""
    programs = set()
    for line in unit.read_text().splitlines():
        match = re.match(r"\s*Exec\w+\s*=\s*[-@:+!]*(\S+)", line)
        if match and match.group(1).startswith("/"):
            programs.add(match.group(1))
    return programs


@pytest.fixture
def system_root(tmp_path: Path) -> Path:
    """A root holding this machine's own units and, for the units under test, stub programs:
    `systemd-analyze verify` insists that ExecStart= exists, and the app is not installed."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in units():
        for program in executables(unit):
            stub = root / program.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\n")
            stub.chmod(0o755)
    return root


def install(root: Path, unit: Path) -> None:
    shutil.copy(unit, root / "etc/systemd/system" / unit.name)


@pytest.mark.parametrize("unit", units(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_each_unit_in_deploy_verifies_without_a_warning(unit: Path, system_root: Path) -> None:
    install(system_root, unit)
    result = run(tool("systemd-analyze"), f"--root={system_root}", "verify", unit.name)
    # verify exits 0 on unknown keys and bad values: the warnings are the finding.
    assert (result.returncode, result.stderr) == (0, "")


def test_the_hub_unit_is_hardened_to_an_exposure_of_two_or_less(system_root: Path) -> None:
    install(system_root, HUB_UNIT)
    result = run(
        tool("systemd-analyze"),
        "--offline=yes",
        f"--root={system_root}",
        "security",
        f"--threshold={HUB_EXPOSURE_AT_MOST}",
        HUB_UNIT.name,
    )
    assert result.returncode == 0, result.stdout[-600:] + result.stderr


def test_the_hub_unit_runs_as_its_own_user_with_a_state_directory() -> None:
    lines = [line for line in HUB_UNIT.read_text().splitlines() if not line.startswith("#")]
    settings = [tuple(line.split("=", 1)) for line in lines if "=" in line]
    sysusers = (DEPLOY / "hub" / "madoguchi.sysusers.conf").read_text()
    assert ("User", "madoguchi") in settings
    assert re.search(r"^u\s+madoguchi\s", sysusers, re.MULTILINE)
    assert ("ProtectSystem", "strict") in settings
    assert ("StateDirectory", "madoguchi") in settings
    assert ("Environment", "MADOGUCHI_VAR_DIR=/var/lib/madoguchi") in settings


# Prometheus -------------------------------------------------------------------------------


def test_the_alert_rules_pass_promtool_check() -> None:
    result = run(tool("promtool"), "check", "rules", PROMETHEUS / "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_and_stays_quiet_as_its_unit_tests_say() -> None:
    result = run(tool("promtool"), "test", "rules", "alerts_test.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_sees_it_fire() -> None:
    alerts = set(re.findall(r"(?m)^\s+- alert: (\w+)", (PROMETHEUS / "alerts.yml").read_text()))
    tests = (PROMETHEUS / "alerts_test.yml").read_text()
    # An alertname followed by a non-empty exp_alerts list.
    firing = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels", tests))
    assert alerts == firing


@pytest.mark.parametrize(
    "config", [PROMETHEUS / "prometheus.yml", COMPOSE / "prometheus.yml"], ids=["host", "compose"]
)
def test_the_prometheus_config_is_valid_with_the_rules_beside_it(
    config: Path, tmp_path: Path
) -> None:
    shutil.copy(config, tmp_path / "prometheus.yml")
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    result = run(tool("promtool"), "check", "config", tmp_path / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


@pytest.mark.parametrize(
    "config", [PROMETHEUS / "prometheus.yml", COMPOSE / "prometheus.yml"], ids=["host", "compose"]
)
def test_the_prometheus_config_scrapes_every_job_the_alerts_name(config: Path) -> None:
    named = set(re.findall(r'job="([^"]+)"', (PROMETHEUS / "alerts.yml").read_text()))
    scraped = set(re.findall(r"job_name: (\S+)", config.read_text()))
    assert named == {"madoguchi-hub", "coturn"}
    assert named <= scraped


async def test_the_alerts_use_only_metrics_the_hub_or_coturn_exports() -> None:
    rules = (PROMETHEUS / "alerts.yml").read_text()
    expressions = "".join(re.findall(r"(?ms)^\s+expr: (.*?)^\s+for: ", rules))
    used = set(re.findall(r"\b(madoguchi_\w+|turn_\w+)\b", expressions))
    assert len(used) >= 6  # the expressions were found
    metrics = HubMetrics(
        overview=lambda: Overview({}, {}, {}, 0, {}),
        store_backlog=lambda: 0,
        read_history=nothing_stored,
        clock=time.time,
    )
    await metrics.today.refresh()  # today's gauges exist once read, even from an empty day
    families = list(metrics.registry.collect())
    exported = {family.name for family in families}
    # A counter's family is named without the "_total" its samples carry.
    exported |= {f"{f.name}_total" for f in families if f.type == "counter"}
    # coturn 4.6's only allocation metric, a gauge by transport (src/apps/relay/prom_server.c).
    exported.add("turn_total_allocations")
    assert used <= exported


# nginx ------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "test.crt", directory / "test.key"
    result = run(
        tool("openssl"),
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=hub.city.example",
        "-keyout",
        key,
        "-out",
        cert,
    )
    assert result.returncode == 0, result.stderr
    return cert, key


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = tool("nginx")
    cert, key = self_signed(tmp_path)
    # The site as shipped, with only its certificate paths pointed at the test's own.
    site = re.sub(r"(?m)^(\s*ssl_certificate)\s+\S+;", rf"\1 {cert};", NGINX_SITE.read_text())
    site = re.sub(r"(?m)^(\s*ssl_certificate_key)\s+\S+;", rf"\1 {key};", site)
    site = re.sub(r"(?m)^(\s*ssl_trusted_certificate)\s+\S+;", rf"\1 {cert};", site)
    assert f"ssl_certificate_key {key};" in site
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"    client_body_temp_path {tmp_path}/body;\n"
        f"    proxy_temp_path {tmp_path}/proxy;\n"
        f"    include {tmp_path}/site.conf;\n"
        "}\n"
    )
    result = run(nginx, "-t", "-q", "-c", main, "-p", tmp_path)
    assert (result.returncode, result.stderr) == (0, "")  # -q: only warnings and errors


# compose ----------------------------------------------------------------------------------


def compose_config() -> dict[str, Any]:
    """The file as docker-compose validated and resolved it (schema, .env, paths)."""
    result = run(tool("docker-compose"), "-f", COMPOSE / "compose.yaml", "config", cwd=COMPOSE)
    assert result.returncode == 0, result.stderr
    # docker-compose runs on Debian's python3 with python3-yaml, its own dependency; the
    # project's venv has no YAML parser.
    as_json = run(
        "/usr/bin/python3",
        "-c",
        "import json, sys, yaml; json.dump(yaml.safe_load(sys.argv[1]), sys.stdout)",
        result.stdout,
    )
    assert as_json.returncode == 0, as_json.stderr
    config: dict[str, Any] = json.loads(as_json.stdout)
    return config


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return compose_config()


def test_the_compose_file_runs_the_whole_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == COMPOSE_SERVICES


def test_every_compose_image_is_pinned_to_a_version(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
        assert re.search(r"\d+\.\d+", tag), f"{name}: {image} has no version tag"


def test_every_compose_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name


def test_compose_spells_out_no_secret(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for variable in service.get("environment", {}):
            if SECRET_NAME.search(variable):
                assert variable.endswith("_FILE"), f"{name}: {variable} is inline"
    for name, secret in compose["secrets"].items():
        assert Path(secret["file"]).parent == COMPOSE / "secrets", name
    ignored = (COMPOSE / ".gitignore").read_text().split()
    assert "secrets/" in ignored
    assert "certs/" in ignored


def test_compose_mounts_files_that_are_in_the_repository(compose: dict[str, Any]) -> None:
    city_made = {COMPOSE / "secrets", COMPOSE / "certs"}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.partition(":")[0] if isinstance(volume, str) else volume["source"]
            if source.startswith("/") and Path(source) not in city_made:
                assert Path(source).exists(), f"{name}: {source}"


def test_the_hub_image_copies_what_the_build_needs() -> None:
    dockerfile = (COMPOSE / "hub.Dockerfile").read_text()
    sources = re.findall(r"^COPY\s+(.+?)\s+\S+$", dockerfile, re.MULTILINE)
    copied = [name for line in sources for name in line.split()]
    for name in copied:
        assert (ROOT / name).exists(), name
    packages = re.search(r"include = \[(.*?)\]", (ROOT / "pyproject.toml").read_text())
    assert packages is not None
    for package in re.findall(r'"(\w+)\*"', packages.group(1)):
        assert package in copied, f"pyproject's {package} is not copied into the image"


def test_the_readmes_hub_settings_start_in_production_mode(tmp_path: Path) -> None:
    readme = (COMPOSE / "README.md").read_text()
    example = re.search(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    (tmp_path / "hub.toml").write_text(example.group(1))
    environ = {"MADOGUCHI_VAR_DIR": str(tmp_path / "var")}  # as compose.yaml sets it
    settings = load_settings(str(tmp_path / "hub.toml"), environ)
    assert settings.mode == "production"
    check_settings(settings)  # raises with the one-line reason if production would refuse
