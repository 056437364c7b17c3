"""The tables, in SQLAlchemy Core, portable between SQLite and PostgreSQL.

Times are Float epoch seconds, like everywhere else in the hub. History tables carry no foreign
keys to accounts, kiosks or the directory: a consultation's record must outlive renames and
directory edits, and one odd event must never make a whole batch fail.

This is the schema at the newest revision; revisions/versions/ holds the steps to it.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The city's shape (signaling/directory.py): wards, their sites, and the services desks share.
wards = sa.Table(
    "wards",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("shares_overflow", sa.Boolean, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("ward_id", sa.String(64), sa.ForeignKey("wards.id"), nullable=False),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("overflow_after_seconds", sa.Float, nullable=True),  # None: never overflows
    sa.Column("sort_order", sa.Integer, nullable=False),
)

departments = sa.Table(
    "departments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("hours", sa.JSON, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    # NULL: a city-wide department (a central 税務課, a call-center pool).
    sa.Column("ward_id", sa.String(64), sa.ForeignKey("wards.id"), nullable=True),
)

department_services = sa.Table(
    "department_services",
    metadata,
    sa.Column(
        "department_id",
        sa.String(64),
        sa.ForeignKey("departments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("service_id", sa.String(64), sa.ForeignKey("services.id"), primary_key=True),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    # Exactly one of the two is set (signaling/directory.py, Category).
    sa.Column("department_id", sa.String(64), sa.ForeignKey("departments.id"), nullable=True),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("descriptions", sa.JSON, nullable=False),
    sa.Column("icon", sa.String(64), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("service_id", sa.String(64), sa.ForeignKey("services.id"), nullable=True),
)

outcome_codes = sa.Table(
    "outcome_codes",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("names", sa.JSON, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

# What staff send at a touch, in every kiosk language, and the city's own readings for ruby (0006).
staff_messages = sa.Table(
    "staff_messages",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("texts", sa.JSON, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

readings = sa.Table(
    "readings",
    metadata,
    sa.Column("word", sa.String(32), primary_key=True),
    sa.Column("reading", sa.String(64), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # Set when an admin resets the password: the next sign-in must choose a new one (0003).
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    # Where the staff member works; NULL: no one site (a city-wide desk). 0004.
    sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), nullable=True),
    # The display name's kana reading: kana for やさしい日本語, romanised for en, ko, vi (0006).
    sa.Column("name_reading", sa.String(100), nullable=False, server_default=""),
)

account_departments = sa.Table(
    "account_departments",
    metadata,
    sa.Column(
        "account_id",
        sa.String(16),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Deliberately a foreign key: replace_directory refuses to drop a department with staff.
    sa.Column("department_id", sa.String(64), sa.ForeignKey("departments.id"), primary_key=True),
)

auth_sessions = sa.Table(
    "auth_sessions",
    metadata,
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

kiosks = sa.Table(
    "kiosks",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=True),
    # The site it stands at, which gives its ward for routing; NULL: not placed yet.
    sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), nullable=True),
)

consultations = sa.Table(
    "consultations",
    metadata,
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

consultation_legs = sa.Table(
    "consultation_legs",
    metadata,
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
    # Answered by another ward's desk: the one it was queued at (department_id answered).
    sa.Column("overflowed_from", sa.String(64), nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("ip", sa.String(64), nullable=True),
)

# The city file as last imported: the base that tells the file's changes from the admins' edits
# (signaling/city_import.py). Emptied when the whole directory is replaced.
city_file_imports = sa.Table(
    "city_file_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("directory", sa.JSON, nullable=False),
)
