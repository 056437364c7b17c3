"""Alembic takes over from the schema_version table of 0.1.0.

Revision ID: 0002
Revises: 0001

A database made by 0.1.0 records its schema in ``schema_version`` (version 1, the same tables
as revision 0001). migrations.py stamps such a database at 0001 and this revision drops the old
table, so ``alembic_version`` is the one record of the schema. The downgrade puts it back, so
0.1.0 can open the database again.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    schema_version = op.create_table(
        "schema_version",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("applied_at", sa.Float, nullable=False),
    )
    op.bulk_insert(
        schema_version, [{"version": 1, "description": "initial schema", "applied_at": time.time()}]
    )
