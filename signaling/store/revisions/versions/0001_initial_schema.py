"""The initial schema: version 1 of the schema_version scheme, as first released (0.1.0).

Revision ID: 0001
Revises:

Frozen: these are schema.py's tables as released, copied here so that a fresh database replays
history exactly. Never edit a released revision; change the schema in a new one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("hours", sa.JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("department_id", sa.String(64), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("descriptions", sa.JSON, nullable=False),
        sa.Column("icon", sa.String(64), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "outcome_codes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "account_departments",
        sa.Column(
            "account_id",
            sa.String(16),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "department_id", sa.String(64), sa.ForeignKey("departments.id"), primary_key=True
        ),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(16),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=True),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(16), nullable=False, index=True),
        sa.Column("category_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False, index=True),
        sa.Column("first_answered_at", sa.Float, nullable=True),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("wait_seconds", sa.Float, nullable=True),
        sa.Column("talk_seconds", sa.Float, nullable=True),
        sa.Column("transfers", sa.Integer, nullable=False),
        sa.Column("survey_score", sa.Integer, nullable=True),
        sa.Column("outcome_code", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_table(
        "consultation_legs",
        sa.Column(
            "session_id",
            sa.String(64),
            sa.ForeignKey("consultations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("leg", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("department_id", sa.String(64), nullable=False, index=True),
        sa.Column("staff_id", sa.String(16), nullable=True),
        sa.Column("queued_at", sa.Float, nullable=False),
        sa.Column("answered_at", sa.Float, nullable=True),
        sa.Column("ended_at", sa.Float, nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("transfer_note", sa.Text, nullable=False),
        sa.Column("transferred_by", sa.String(16), nullable=True),
        sa.Column("outcome_code", sa.String(64), nullable=True),
        sa.Column("wrap_up_note", sa.Text, nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "audit_log",
        "consultation_legs",
        "consultations",
        "kiosks",
        "auth_sessions",
        "account_departments",
        "accounts",
        "outcome_codes",
        "categories",
        "departments",
    ):
        op.drop_table(table)
