"""Applications taken in the chat: the application, its history and its documents.

The applicant's particulars and the documents' bytes are sealed (AES-GCM under
LEGALAID_FIELD_KEY); the ID number and phone are looked up by keyed fingerprints.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "application",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(20), nullable=True, unique=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("matter", sa.String(48), nullable=True),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("economic_route", sa.String(16), nullable=True),
        sa.Column("particulars", sa.Text, nullable=True),
        sa.Column("id_number_hash", sa.String(64), nullable=True, index=True),
        sa.Column("phone_hash", sa.String(64), nullable=True, index=True),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("reminder_due_at", _AT, nullable=True),
        sa.Column("reminded_at", _AT, nullable=True),
        sa.Column("submitted_at", _AT, nullable=True),
        sa.Column("materials_notice_at", _AT, nullable=True),
        sa.Column("materials_notice_documents", sa.Integer, nullable=True),
        sa.Column("complete_at", _AT, nullable=True),
        sa.Column("decision_due_at", _AT, nullable=True),
        sa.Column("decision_warn_at", _AT, nullable=True),
        sa.Column("warned_at", _AT, nullable=True),
        sa.Column("breached_at", _AT, nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
    )
    op.create_index("ix_application_status", "application", ["status", "decision_due_at"])
    draft = "status = 'draft' AND reminded_at IS NULL"
    op.create_index(
        "ix_application_draft_reminder",
        "application",
        ["reminder_due_at"],
        sqlite_where=sa.text(draft),
        postgresql_where=sa.text(draft),
    )
    op.create_table(
        "application_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=False, index=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_table(
        "application_document",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizen.id"), nullable=False, index=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=True, index=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("message.id"), nullable=True),
        sa.Column("kind", sa.String(24), nullable=True),
        sa.Column("media_id", sa.String(128), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.Column("content", sa.Text, nullable=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer, nullable=True),
        sa.Column("fetched_at", _AT, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
    )
    unfetched = "fetched_at IS NULL"
    op.create_index(
        "ix_application_document_unfetched",
        "application_document",
        ["received_at"],
        sqlite_where=sa.text(unfetched),
        postgresql_where=sa.text(unfetched),
    )


def downgrade() -> None:
    op.drop_table("application_document")
    op.drop_table("application_event")
    op.drop_table("application")
