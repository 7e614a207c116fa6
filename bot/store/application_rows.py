"""Rows of the legal-aid applications taken in the chat (migration 0009): the application, its
history and its documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.rows import Row, UtcDateTime
from bot.store.sealed import SealedBytes, SealedJSON, SealedText


class ApplicationRow(Row):
    """A legal-aid application (002 §7.3.1–7.4.3): a draft while the citizen answers in the chat,
    then submitted with a number. What identifies the applicant is sealed in `particulars`; the ID
    number and phone are found by their keyed fingerprints, never by the plain value."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_status", "status", "decision_due_at"),
        Index(
            "ix_application_draft_reminder",
            "reminder_due_at",
            sqlite_where=text("status = 'draft' AND reminded_at IS NULL"),
            postgresql_where=text("status = 'draft' AND reminded_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(24))
    matter: Mapped[str | None] = mapped_column(String(48), nullable=True)
    district: Mapped[str | None] = mapped_column(String(32), nullable=True)
    economic_route: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # name, id_number, phone, description, opposing_party, handled_in, screening, commitment
    particulars: Mapped[dict[str, Any] | None] = mapped_column(
        SealedJSON("application.particulars"), nullable=True
    )
    id_number_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)  # kinds of material, not personal
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reminder_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The one-time notice of missing materials (002 §7.4.2 d), and how many documents it saw.
    materials_notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    materials_notice_documents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    complete_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decision_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decision_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ApplicationEventRow(Row):
    """Every change of an application, with who, when and why (the reason is sealed: staff may
    write personal facts in it)."""

    __tablename__ = "application_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(32))  # citizen | bot | scheduler | consultant:<id>
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reason: Mapped[str | None] = mapped_column(SealedText("application_event.reason"), nullable=True)


class ApplicationDocumentRow(Row):
    """A photo or file the citizen sent: its kind, and its bytes sealed once downloaded from
    WeChat's media API (a temporary media id lives 3 days, so the download is retried at once)."""

    __tablename__ = "application_document"
    __table_args__ = (
        Index(
            "ix_application_document_unfetched",
            "received_at",
            sqlite_where=text("fetched_at IS NULL"),
            postgresql_where=text("fetched_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id"), nullable=True, index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(24), nullable=True)
    media_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    content: Mapped[bytes | None] = mapped_column(SealedBytes("application_document.content"), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
