"""Human handoff: console accounts, the queue, reply deadlines and reminders, notices, audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from bot.store.rows import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("specialties", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=False, index=True
        ),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("specialty", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(48)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("packet", sa.JSON, nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("consultant.id"), index=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("breached_at", UtcDateTime()),
        sa.Column("appointment_at", UtcDateTime()),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_at", UtcDateTime()),
        sa.Column("first_reply_at", UtcDateTime()),
        sa.Column("last_activity_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime()),
        sa.Column("ended_by", sa.String(16)),
        sa.Column("outcome", sa.String(8)),
        sa.Column("outcome_note", sa.Text),
    )
    op.create_index("ix_handoff_queue", "handoff", ["status", "specialty", "opened_at"])
    op.create_index(
        "uq_handoff_live_citizen",
        "handoff",
        ["citizen_id"],
        unique=True,
        sqlite_where=sa.text("status != 'closed'"),
        postgresql_where=sa.text("status != 'closed'"),
    )
    op.create_table(
        "reply_deadline",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id"), nullable=False, index=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("breached_at", UtcDateTime()),
        sa.Column("answered_at", UtcDateTime()),
        sa.Column("superseded_at", UtcDateTime()),
    )
    op.create_index("ix_reply_deadline_due", "reply_deadline", ["superseded_at", "breached_at", "due_at"])
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deadline_id", sa.Integer, sa.ForeignKey("reply_deadline.id"), nullable=False, index=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id"), nullable=False, index=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("cancelled_at", UtcDateTime()),
    )
    op.create_index("ix_reminder_due", "reminder", ["sent_at", "due_at"])
    op.create_table(
        "handoff_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id"), nullable=False, index=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("consultant.id")),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "console_notice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultant_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=False),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime()),
    )
    op.create_index("ix_console_notice_inbox", "console_notice", ["consultant_id", "read_at"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("consultant_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
    )
    with op.batch_alter_table("message") as batch:
        batch.add_column(
            sa.Column(
                "consultant_id", sa.Integer, sa.ForeignKey("consultant.id", name="fk_message_consultant")
            )
        )
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("held_at", UtcDateTime()))
        batch.add_column(sa.Column("notice_at", UtcDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("notice_at")
        batch.drop_column("held_at")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("consultant_id")
    for table in (
        "audit_entry",
        "console_notice",
        "handoff_event",
        "reminder",
        "reply_deadline",
        "handoff",
        "consultant",
    ):
        op.drop_table(table)
