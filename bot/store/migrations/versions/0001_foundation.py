"""Foundation: citizens, consultations, transcript messages, deliveries, conversation state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from bot.store.rows import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("openid", sa.String(64), nullable=False, unique=True),
        sa.Column("alias", sa.String(32), nullable=False, unique=True),
        sa.Column("subscribed", sa.Boolean, nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("last_inbound_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16)),
        sa.Column("intent", sa.String(48)),
        sa.Column("specialty", sa.String(32)),
        sa.Column("outcome", sa.String(8)),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime()),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=False, index=True
        ),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("media_id", sa.String(128)),
        sa.Column("event", sa.String(32)),
        sa.Column("event_key", sa.String(128)),
        sa.Column("wechat_msg_id", sa.BigInteger),
        sa.Column("msg_key", sa.String(200)),
        sa.Column("in_reply_to", sa.Integer, sa.ForeignKey("message.id"), index=True),
        sa.Column("extra", sa.JSON),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime()),
        sa.UniqueConstraint("msg_key", name="uq_message_msg_key"),
    )
    op.create_index("ix_message_unanswered", "message", ["direction", "answered_at", "recorded_at"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("message.id"), nullable=False, unique=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_errcode", sa.Integer),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime()),
    )
    op.create_index("ix_delivery_status_next", "delivery", ["status", "next_attempt_at"])
    op.create_table(
        "conversation_state",
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), primary_key=True),
        sa.Column("flow", sa.String(48)),
        sa.Column("step", sa.String(48)),
        sa.Column("slots", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("conversation_state", "delivery", "message", "consultation", "citizen"):
        op.drop_table(table)
