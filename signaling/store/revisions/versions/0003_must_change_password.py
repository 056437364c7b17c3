"""Accounts may be made to change their password at the next sign-in.

Revision ID: 0003
Revises: 0002

An admin who resets someone's password sets a temporary one: ``must_change_password`` makes the
hub refuse that password for anything but choosing a new one (signaling/password_change.py).
Existing accounts keep working as before (false).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never batch_alter_table: on SQLite a batch copies and drops the
    # accounts table, and the drop cascades to every account's departments and sessions.
    op.add_column(
        "accounts",
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite (3.35+) and PostgreSQL both drop a column in place, with nothing cascading.
    op.execute("ALTER TABLE accounts DROP COLUMN must_change_password")
