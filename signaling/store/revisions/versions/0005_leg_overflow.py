"""A leg answered by another ward's desk records the desk it was queued at.

Revision ID: 0005
Revises: 0004

``consultation_legs.department_id`` is the department that answered; ``overflowed_from`` is the
citizen's own ward's desk when another one took them (signaling/routing.py). NULL for every
leg before this revision, as none overflowed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never batch_alter_table (see 0003).
    op.add_column("consultation_legs", sa.Column("overflowed_from", sa.String(64), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE consultation_legs DROP COLUMN overflowed_from")
