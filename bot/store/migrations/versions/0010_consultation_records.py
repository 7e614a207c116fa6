"""Consultation records for staff review: the record's fields, annotations, complaints and the
weekly quality sample.

Free text and identity are sealed (stored as text, like every sealed column).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("consultation") as batch:
        batch.add_column(sa.Column("intents", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("last_activity_at", _AT, nullable=True))
        batch.add_column(sa.Column("consultant_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("first_reply_at", _AT, nullable=True))
        batch.add_column(sa.Column("breached", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("ended_by", sa.String(16), nullable=True))
        batch.add_column(sa.Column("referral", sa.String(64), nullable=True))
        batch.add_column(sa.Column("application_number", sa.String(20), nullable=True))
        batch.add_column(sa.Column("identity", sa.Text, nullable=True))
        batch.add_column(sa.Column("identity_refused", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("logged_by", sa.Integer, nullable=True))
        batch.add_column(sa.Column("summary", sa.Text, nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.Integer, nullable=True))
        batch.add_column(sa.Column("satisfaction_comment", sa.Text, nullable=True))
        batch.add_column(sa.Column("satisfaction_asked_at", _AT, nullable=True))
        batch.add_column(sa.Column("satisfaction_at", _AT, nullable=True))
        batch.add_column(sa.Column("quality_score", sa.Integer, nullable=True))
        batch.add_column(sa.Column("quality_checks", sa.JSON, nullable=True))
        batch.add_column(sa.Column("anonymised_at", _AT, nullable=True))
    op.create_index("ix_consultation_consultant_id", "consultation", ["consultant_id"])
    op.create_index("ix_consultation_started", "consultation", ["started_at"])
    op.create_index("ix_consultation_silent", "consultation", ["status", "last_activity_at"])
    op.create_table(
        "consultation_annotation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=False, index=True
        ),
        sa.Column("consultant_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=True, index=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id"), nullable=True),
        sa.Column("contact", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("breached_at", _AT, nullable=True),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=True),
        sa.Column("entered_by", sa.Integer, sa.ForeignKey("consultant.id"), nullable=True),
        sa.Column("reply", sa.Text, nullable=True),
        sa.Column("replied_at", _AT, nullable=True),
        sa.Column("replied_by", sa.Integer, sa.ForeignKey("consultant.id"), nullable=True),
        sa.Column("told_message_id", sa.Integer, sa.ForeignKey("message.id"), nullable=True),
    )
    op.create_index("ix_complaint_open", "complaint", ["status", "due_at"])
    op.create_table(
        "quality_review",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=False),
        sa.Column("consultant_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=False, index=True),
        sa.Column("week", sa.String(10), nullable=False, index=True),
        sa.Column("sampled_at", _AT, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("consultant.id"), nullable=True),
        sa.Column("reviewed_at", _AT, nullable=True),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("rubric", sa.JSON, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("consultation_id", name="uq_quality_review_consultation"),
    )


def downgrade() -> None:
    op.drop_table("quality_review")
    op.drop_index("ix_complaint_open", "complaint")
    op.drop_table("complaint")
    op.drop_table("consultation_annotation")
    op.drop_index("ix_consultation_silent", "consultation")
    op.drop_index("ix_consultation_started", "consultation")
    op.drop_index("ix_consultation_consultant_id", "consultation")
    with op.batch_alter_table("consultation") as batch:
        for name in (
            "anonymised_at",
            "quality_checks",
            "quality_score",
            "satisfaction_at",
            "satisfaction_asked_at",
            "satisfaction_comment",
            "satisfaction",
            "summary",
            "logged_by",
            "identity_refused",
            "identity",
            "application_number",
            "referral",
            "ended_by",
            "breached",
            "first_reply_at",
            "consultant_id",
            "last_activity_at",
            "intents",
        ):
            batch.drop_column(name)
