"""Who the switchboard knows, sans I/O: connections, clients, staff by department, grace periods.

A connection belongs to one principal. A kiosk or staff member has one `Client`, connected or
within its grace period after a drop (staff are kept offline too, for their wrap-ups). The
roster keeps the indexes the switchboard needs on every input, so that nothing scans every
client: online staff per department, and the clients whose grace period runs.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from signaling import protocol as p
from signaling.principal import Principal
from signaling.session import Client, ConnId

_Key = tuple[p.Role, str]


class Roster:
    def __init__(self) -> None:
        self._conns: dict[ConnId, Principal] = {}
        self._clients: dict[_Key, Client] = {}
        self._staff_by_department: dict[str, dict[str, Client]] = {}
        self._in_grace: dict[_Key, Client] = {}
        # Deadlines as set, soonest first; an entry is stale once its client's deadline
        # changed. The timer asks for the soonest after every input, and after a restart every
        # client starts its grace at once: a scan of them all per reconnect was quadratic.
        self._deadlines: list[tuple[float, _Key]] = []

    # Connections.

    def attach(self, conn: ConnId, principal: Principal) -> None:
        self._conns[conn] = principal

    def detach(self, conn: ConnId) -> Principal | None:
        return self._conns.pop(conn, None)

    def principal_of(self, conn: ConnId) -> Principal | None:
        return self._conns.get(conn)

    def connected(self) -> Iterable[Principal]:
        return self._conns.values()

    # Clients.

    @property
    def empty(self) -> bool:
        return not self._clients

    def client(self, role: p.Role, principal_id: str) -> Client | None:
        return self._clients.get((role, principal_id))

    def known(self, role: p.Role, principal_id: str) -> Client:
        """A client the switchboard's state refers to, so it exists (KeyError is a bug)."""
        return self._clients[role, principal_id]

    def clients(self) -> Iterable[Client]:
        return self._clients.values()

    def add(self, client: Client) -> None:
        self._clients[client.principal.role, client.principal.id] = client

    def remove(self, client: Client) -> None:
        del self._clients[client.principal.role, client.principal.id]

    # Online staff by department.

    def index(self, client: Client) -> None:
        if client.principal.role is p.Role.STAFF:
            for department_id in client.principal.departments:
                serving = self._staff_by_department.setdefault(department_id, {})
                serving[client.principal.id] = client

    def unindex(self, client: Client) -> None:
        for department_id in client.principal.departments:
            self._staff_by_department.get(department_id, {}).pop(client.principal.id, None)

    def staff_serving(self, department_id: str) -> list[Client]:
        return list(self._staff_by_department.get(department_id, {}).values())

    # Grace periods.

    def set_grace(self, client: Client, deadline: float | None) -> None:
        client.grace_deadline = deadline
        key = (client.principal.role, client.principal.id)
        if deadline is None:
            self._in_grace.pop(key, None)
        else:
            self._in_grace[key] = client
            heapq.heappush(self._deadlines, (deadline, key))

    def grace_expired(self, now: float) -> list[Client]:
        return [
            c
            for c in self._in_grace.values()
            if c.grace_deadline is not None and c.grace_deadline <= now
        ]

    def next_grace_deadline(self) -> float | None:
        deadlines = self._deadlines
        while deadlines:
            deadline, key = deadlines[0]
            client = self._in_grace.get(key)
            if client is not None and client.grace_deadline == deadline:
                return deadline
            heapq.heappop(deadlines)  # stale: that grace ended or was set again since
        return None
