"""Every citizen in their own language: staff messages, the city's readings, staff name readings.

Revision ID: 0006
Revises: 0005

``staff_messages`` holds what staff send at a touch, in every kiosk language; ``readings`` the
city's own readings of words for ruby. Both start empty: the next start imports the city file
again (signaling/city_import.py). ``accounts.name_reading`` is the display name in kana, empty
for every existing account until an admin gives it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "readings",
        sa.Column("word", sa.String(32), primary_key=True),
        sa.Column("reading", sa.String(64), nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    # A plain ADD COLUMN, never batch_alter_table (see 0003).
    op.add_column(
        "accounts",
        sa.Column("name_reading", sa.String(100), nullable=False, server_default=""),
    )
    # A city file imported before this revision had no such sections: import it again.
    op.execute("DELETE FROM city_file_imports")


def downgrade() -> None:
    op.execute("ALTER TABLE accounts DROP COLUMN name_reading")
    op.drop_table("readings")
    op.drop_table("staff_messages")
