"""Alembic's environment: the hub hands it the connection, inside its own write transaction.

Alembic runs this file for every command. ``signaling.store.migrations`` is the only caller: it
puts an open connection in ``config.attributes["connection"]``, so migrations share the hub's
transaction and lock (see migrations.py) instead of opening a second connection.
"""

from __future__ import annotations

from alembic import context

from signaling.store import schema

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Madoguchi's migrations run when the hub or madoguchi-admin opens the database "
        "(madoguchi-admin upgrade), not from the alembic command line"
    )
# Batch mode lets later revisions alter columns on SQLite, which has no ALTER COLUMN. DDL is
# transactional on both databases here: the store takes SQLite's transactions away from the
# sqlite3 module (engine.py), so a failed upgrade rolls back whole.
context.configure(
    connection=connection,
    target_metadata=schema.metadata,
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
