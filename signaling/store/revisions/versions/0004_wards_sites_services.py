"""The city's shape: wards, sites and services; departments in a ward; kiosks and staff at a site.

Revision ID: 0004
Revises: 0003

Every new column is nullable, so existing rows stay as they are: a department without a ward
is city-wide, a kiosk or account without a site is not placed yet, and every existing category
keeps its department. ``city_file_imports`` starts empty: the next start imports the city file
again, keeping everything the database already has (signaling/city_import.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, column, referenced table): the columns that point at the new tables.
_REFERENCES = (
    ("departments", "ward_id", "wards"),
    ("kiosks", "site_id", "sites"),
    ("accounts", "site_id", "sites"),
    ("categories", "service_id", "services"),
)


def upgrade() -> None:
    op.create_table(
        "wards",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("shares_overflow", sa.Boolean, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ward_id", sa.String(64), sa.ForeignKey("wards.id"), nullable=False),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("overflow_after_seconds", sa.Float, nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    for table, column, target in _REFERENCES:
        _add_reference(table, column, target)
    op.create_table(
        "department_services",
        sa.Column(
            "department_id",
            sa.String(64),
            sa.ForeignKey("departments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("service_id", sa.String(64), sa.ForeignKey("services.id"), primary_key=True),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    # Nothing references categories, so SQLite may copy the table to relax its column.
    with op.batch_alter_table("categories") as batch:
        batch.alter_column("department_id", existing_type=sa.String(64), nullable=True)
    op.create_table(
        "city_file_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("directory", sa.JSON, nullable=False),
    )


def _add_reference(table: str, column: str, target: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: batch mode would copy the table and drop the old one, and with foreign keys
        # on, dropping accounts cascades into account_departments and auth_sessions. SQLite
        # allows ADD COLUMN ... REFERENCES when the column defaults to NULL.
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64) REFERENCES {target} (id)")
    else:
        op.add_column(
            table, sa.Column(column, sa.String(64), sa.ForeignKey(f"{target}.id"), nullable=True)
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Dropping a column that references another table means copying the table on SQLite,
        # and the copy's DROP TABLE would cascade (see _add_reference): refuse, lose nothing.
        raise RuntimeError("downgrade a SQLite database with foreign keys off (PRAGMA)")
    op.drop_table("city_file_imports")
    # Categories of a service have no department, which 0003 cannot hold: they go.
    op.execute("DELETE FROM categories WHERE department_id IS NULL")
    with op.batch_alter_table("categories") as batch:
        batch.alter_column("department_id", existing_type=sa.String(64), nullable=False)
    op.drop_table("department_services")
    for table, column, _ in reversed(_REFERENCES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    op.drop_table("services")
    op.drop_table("sites")
    op.drop_table("wards")
