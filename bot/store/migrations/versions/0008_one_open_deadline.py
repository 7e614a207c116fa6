"""At most one reply deadline waits for an answer per handoff.

A citizen's message after a consultant's answer now starts the next reply's deadline. The partial
unique index makes "one open deadline per item" a rule of the database: a next-reply clock and an
appointment racing each other cannot both leave one. Should an older database hold two (no code
path ever wrote them), all but the newest are marked superseded first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = "superseded_at IS NULL AND answered_at IS NULL"


def upgrade() -> None:
    op.execute(
        """
        UPDATE reply_deadline
        SET superseded_at = (
            SELECT MAX(newer.created_at) FROM reply_deadline AS newer
            WHERE newer.handoff_id = reply_deadline.handoff_id
        )
        WHERE superseded_at IS NULL AND answered_at IS NULL AND id NOT IN (
            SELECT MAX(id) FROM reply_deadline
            WHERE superseded_at IS NULL AND answered_at IS NULL
            GROUP BY handoff_id
        )
        """
    )
    op.create_index(
        "uq_reply_deadline_open",
        "reply_deadline",
        ["handoff_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_reply_deadline_open", table_name="reply_deadline")
