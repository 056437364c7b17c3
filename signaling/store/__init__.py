"""The hub's database: SQLAlchemy 2 async Core on SQLite (default) or PostgreSQL."""

from signaling.store.errors import ConflictError, NotFoundError, SchemaVersionError, StoreError
from signaling.store.records import (
    Account,
    AuditEntry,
    AuthSession,
    ConsultationRecord,
    Kiosk,
    LegRecord,
)
from signaling.store.store import Store

__all__ = [
    "Account",
    "AuditEntry",
    "AuthSession",
    "ConflictError",
    "ConsultationRecord",
    "Kiosk",
    "LegRecord",
    "NotFoundError",
    "SchemaVersionError",
    "Store",
    "StoreError",
]
