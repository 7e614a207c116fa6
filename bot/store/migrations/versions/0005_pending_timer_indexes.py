"""Index only the pending reminders and deadlines: the sweep's cost no longer grows with history.

`ix_reminder_due (sent_at, due_at)` kept every cancelled reminder (sent_at stays NULL) in the range
each sweep and `next_due` walk, and `ix_reply_deadline_due` every answered deadline, so both grew
with every handoff ever answered. The partial indexes hold the pending steps only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REMINDER_PENDING = "sent_at IS NULL AND cancelled_at IS NULL"
DEADLINE_PENDING = "superseded_at IS NULL AND answered_at IS NULL AND breached_at IS NULL"


def upgrade() -> None:
    op.drop_index("ix_reminder_due", table_name="reminder")
    op.drop_index("ix_reply_deadline_due", table_name="reply_deadline")
    op.create_index(
        "ix_reminder_pending",
        "reminder",
        ["due_at"],
        sqlite_where=sa.text(REMINDER_PENDING),
        postgresql_where=sa.text(REMINDER_PENDING),
    )
    op.create_index(
        "ix_reply_deadline_pending",
        "reply_deadline",
        ["due_at"],
        sqlite_where=sa.text(DEADLINE_PENDING),
        postgresql_where=sa.text(DEADLINE_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_reply_deadline_pending", table_name="reply_deadline")
    op.drop_index("ix_reminder_pending", table_name="reminder")
    op.create_index("ix_reply_deadline_due", "reply_deadline", ["superseded_at", "breached_at", "due_at"])
    op.create_index("ix_reminder_due", "reminder", ["sent_at", "due_at"])
