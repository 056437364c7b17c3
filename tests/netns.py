"""Network namespaces for tests: a small lab of hosts joined by veth pairs, removed afterwards.

Each `Lab` has a name prefix unique to the test process, so parallel runs do not collide, and
`close()` deletes every namespace it made (which also deletes their veths and nftables tables)
and kills what it started in them. Processes run in a namespace with `ip netns exec`; a socket
is opened in one from a short-lived thread that enters it with setns(2), so an in-process
server (the hub) can listen there while the test runs in the root namespace.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

CLONE_NEWNET = 0x40000000
T = TypeVar("T")
_labs = itertools.count()


def missing_tools() -> str | None:
    """Why a lab cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=10)


@dataclass
class Lab:
    """Namespaces and the links between them; `close()` undoes it all."""

    prefix: str = field(default_factory=lambda: f"mdg{os.getpid()}x{next(_labs)}")
    namespaces: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _links: itertools.count[int] = field(default_factory=itertools.count)

    def namespace(self, role: str) -> str:
        name = f"{self.prefix}-{role}"
        run("ip", "netns", "add", name)
        self.namespaces.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def link(self, a: str, a_addresses: Sequence[str], b: str, b_addresses: Sequence[str]) -> None:
        """A veth pair between namespaces `a` and `b`, with CIDR addresses on each end."""
        number = next(self._links)
        a_end, b_end = f"v{number}a{os.getpid() % 100000}", f"v{number}b{os.getpid() % 100000}"
        run("ip", "link", "add", a_end, "netns", a, "type", "veth", "peer", b_end, "netns", b)
        for namespace, end, addresses in ((a, a_end, a_addresses), (b, b_end, b_addresses)):
            for address in addresses:
                extra = ["nodad"] if ":" in address else []  # usable at once, no DAD wait
                run("ip", "-n", namespace, "addr", "add", address, "dev", end, *extra)
            run("ip", "-n", namespace, "link", "set", end, "up")

    def route(self, namespace: str, destination: str, via: str) -> None:
        run("ip", "-n", namespace, "route", "add", destination, "via", via)

    def nft(self, namespace: str, ruleset: str) -> None:
        """Load an nftables ruleset into `namespace` (gone with the namespace)."""
        subprocess.run(
            ["ip", "netns", "exec", namespace, "nft", "-f", "-"],
            input=ruleset.encode(),
            check=True,
            capture_output=True,
            timeout=10,
        )

    def command(self, namespace: str, *args: str) -> list[str]:
        """`args` run inside `namespace`."""
        return ["ip", "netns", "exec", namespace, *args]

    def start(self, namespace: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """A process in `namespace`, its output in `log`; killed by `close()` if still running."""
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.command(namespace, *args), stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
        self.namespaces.clear()


def in_namespace(namespace: str, work: Callable[[], T]) -> T:
    """`work()` run in a thread that has entered `namespace`; its sockets stay there."""
    result: list[T] = []
    error: list[BaseException] = []

    def enter_and_work() -> None:
        # setns(2) moves only this thread, which ends right after.
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            with open(f"/run/netns/{namespace}") as target:
                if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns into {namespace}")
            result.append(work())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=enter_and_work, name=f"netns {namespace}")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def listening_socket(namespace: str, host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound and listening on `host` inside `namespace`, for asyncio to serve."""

    def bind() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
        return sock

    return in_namespace(namespace, bind)


def accepts(namespace: str, host: str, port: int) -> bool:
    """Whether a TCP connection from `namespace` to (host, port) is accepted now."""

    def connect() -> bool:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return in_namespace(namespace, connect)
