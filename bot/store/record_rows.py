"""Rows of the records staff review (issue 14): annotations, complaints and quality reviews.

The consultation itself is `ConsultationRow` in rows.py; these hang off it. Free text staff or
citizens write is sealed: it may hold a name or a phone number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.rows import Row, UtcDateTime
from bot.store.sealed import SealedJSON, SealedText


class AnnotationRow(Row):
    """A reviewer's remark on a consultation; kept with who wrote it and when."""

    __tablename__ = "consultation_annotation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consultant.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    text: Mapped[str] = mapped_column(SealedText("consultation_annotation.text"))


class ComplaintRow(Row):
    """A complaint (002 §11): from the chat or entered by staff, answered by its due date."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_open", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # chat | staff
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), nullable=True, index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"), nullable=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff.id"), nullable=True)
    # Who complains when staff enter it (name, phone): the chat's complainant is the citizen.
    contact: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("complaint.contact"), nullable=True)
    text: Mapped[str] = mapped_column(SealedText("complaint.text"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | replied
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)
    reply: Mapped[str | None] = mapped_column(SealedText("complaint.reply"), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    replied_by: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)
    # The message that told the complainant the result (a pending delivery until it is sent).
    told_message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), nullable=True)


class QualityReviewRow(Row):
    """A consultation drawn for a supervisor's weekly review against the rubric."""

    __tablename__ = "quality_review"
    __table_args__ = (UniqueConstraint("consultation_id", name="uq_quality_review_consultation"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consultant.id"), index=True)
    week: Mapped[str] = mapped_column(String(10), index=True)  # ISO week, e.g. 2026-W49
    sampled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rubric: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    note: Mapped[str | None] = mapped_column(SealedText("quality_review.note"), nullable=True)
