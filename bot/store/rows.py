"""Database rows. Codes are stored as strings so SQLite and PostgreSQL agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.store.sealed import SealedJSON, SealedText


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both dialects (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Row(DeclarativeBase):
    pass


class CitizenRow(Row):
    """A WeChat user of the Official Account.

    `alias` (a keyed hash of the openid) is what logs and the console show and what lookups use;
    the openid itself is sealed and read back only to send the citizen a message.
    """

    __tablename__ = "citizen"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique since 0001; sealed values never repeat, so the constraint now only costs an index
    # entry per citizen (dropping it would mean rebuilding the table under SQLite's foreign keys).
    openid: Mapped[str] = mapped_column(SealedText("citizen.openid"), unique=True)
    alias: Mapped[str] = mapped_column(String(32), unique=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_inbound_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConsultationRow(Row):
    """One consultation: the record staff review (002 §6.2 d, f)."""

    __tablename__ = "consultation"
    __table_args__ = (
        Index("ix_consultation_waiting", "status", "waiting_since"),
        Index("ix_consultation_started", "started_at"),
        Index("ix_consultation_silent", "status", "last_activity_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | waiting_human | closed
    waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    waiting_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="wechat")
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(48), nullable=True)
    specialty: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The latest eligibility screening: {"case": {...}, "decision": {...}} as the API shapes them.
    screening: Mapped[dict[str, Any] | None] = mapped_column(
        SealedJSON("consultation.screening"), nullable=True
    )
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The record staff review (0010): every intent the citizen raised, the consultant, the clocks.
    intents: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # consultant_id and logged_by name consultant rows; no FOREIGN KEY, because adding one would
    # make SQLite rebuild this table, which half the schema references.
    consultant_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    breached: Mapped[bool | None] = mapped_column(nullable=True)  # None: no clock applied
    ended_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # consultant | silence | logged
    referral: Mapped[str | None] = mapped_column(String(64), nullable=True)  # outcome c: the department
    application_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Name and phone when the citizen gave them (002 §6.2 f); refused is True when they would not.
    identity: Mapped[dict[str, Any] | None] = mapped_column(
        SealedJSON("consultation.identity"), nullable=True
    )
    identity_refused: Mapped[bool | None] = mapped_column(nullable=True)
    # A phone or walk-in consultation: who logged it and what was asked and answered.
    logged_by: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # 0011
    summary: Mapped[str | None] = mapped_column(SealedText("consultation.summary"), nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1..5
    satisfaction_comment: Mapped[str | None] = mapped_column(
        SealedText("consultation.satisfaction_comment"), nullable=True
    )
    satisfaction_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    satisfaction_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    quality_score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0..100
    quality_checks: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MessageRow(Row):
    """A turn of the transcript, inbound (citizen) or outbound (bot, consultant)."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("msg_key", name="uq_message_msg_key"),
        Index("ix_message_unanswered", "direction", "answered_at", "recorded_at"),
        # A searched word's messages to their consultations from the index alone (0011).
        Index("ix_message_id_consultation", "id", "consultation_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    author: Mapped[str] = mapped_column(String(16))  # citizen | bot | consultant
    kind: Mapped[str] = mapped_column(String(16))  # text, voice, image, location, link, event, unknown
    text: Mapped[str | None] = mapped_column(SealedText("message.text"), nullable=True)
    media_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    event: Mapped[str | None] = mapped_column(String(32), nullable=True)
    event_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    wechat_msg_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    msg_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("message.id"), nullable=True, index=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("message.extra"), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Inbound only: when the dialogue committed its answer. NULL = not yet answered (recovery sweep).
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Inbound only: what the NLU made of it, for transcripts and reports by intent.
    intent: Mapped[str | None] = mapped_column(String(48), nullable=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Outbound by a consultant: who wrote it (the console shows it; the citizen does not).
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)


class DeliveryRow(Row):
    """An outbound message on its way to the citizen; kept until delivered."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    # pending -> passive | sending -> sent | pending (retry) | held (refused: waits for a fallback)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    via: Mapped[str | None] = mapped_column(String(16), nullable=True)  # passive | custom_send | template
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_errcode: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # A refused answer (45015/45047): when it was held and when the fallback notice went out.
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ConversationStateRow(Row):
    """Where a citizen's dialogue stands, durable so a flow resumes days later on any worker."""

    __tablename__ = "conversation_state"
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(48), nullable=True)
    step: Mapped[str | None] = mapped_column(String(48), nullable=True)
    slots: Mapped[dict[str, Any]] = mapped_column(SealedJSON("conversation_state.slots"), default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConsultantRow(Row):
    """A console account: consultant, supervisor or admin; `specialties` routes the queue."""

    __tablename__ = "consultant"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # consultant | supervisor | admin
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HandoffRow(Row):
    """A consultation waiting for, or with, a human consultant (002 §6.2)."""

    __tablename__ = "handoff"
    __table_args__ = (
        Index("ix_handoff_queue", "status", "specialty", "opened_at"),
        # At most one live handoff per citizen: a second 转人工 joins the first.
        Index(
            "uq_handoff_live_citizen",
            "citizen_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | claimed | closed
    reason: Mapped[str] = mapped_column(String(32))  # request_human | complain | needs_review | ...
    kind: Mapped[str] = mapped_column(String(16))  # online | message
    specialty: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(48), nullable=True)
    summary: Mapped[str] = mapped_column(SealedText("handoff.summary"), default="")
    packet: Mapped[dict[str, Any]] = mapped_column(SealedJSON("handoff.packet"), default=dict)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True, index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the live deadline (mirrors reply_deadline)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    appointment_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # consultant | bot | citizen
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)  # a | b | c
    outcome_note: Mapped[str | None] = mapped_column(SealedText("handoff.outcome_note"), nullable=True)


class ReplyDeadlineRow(Row):
    """One deadline of a handoff (002 §6.2 e, g, h): set when it opens, when the citizen writes after
    an answer (the next reply), or by an appointment, which supersedes the one waiting."""

    __tablename__ = "reply_deadline"
    __table_args__ = (
        # Pending deadlines only: answered, superseded and breached rows never slow the sweep down.
        Index(
            "ix_reply_deadline_pending",
            "due_at",
            sqlite_where=text("superseded_at IS NULL AND answered_at IS NULL AND breached_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL AND answered_at IS NULL AND breached_at IS NULL"),
        ),
        # One deadline waiting for an answer per item (a breached one still waits).
        Index(
            "uq_reply_deadline_open",
            "handoff_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL AND answered_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL AND answered_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(16))  # opened | next_reply | appointment
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ReminderRow(Row):
    """A reminder point before a deadline; `sent_at` set once, by whichever worker gets it first."""

    __tablename__ = "reminder"
    # Pending reminders only: a cancelled reminder keeps sent_at NULL forever, so (sent_at, due_at)
    # made every sweep walk all the reminders ever cancelled.
    __table_args__ = (
        Index(
            "ix_reminder_pending",
            "due_at",
            sqlite_where=text("sent_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND cancelled_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("reply_deadline.id"), index=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class HandoffEventRow(Row):
    """The handoff's history: opened, claimed, transferred, noted, reminded, breached, closed."""

    __tablename__ = "handoff_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True)
    # Private notes keep their text here (sealed); the citizen never sees events.
    detail: Mapped[dict[str, Any]] = mapped_column(SealedJSON("handoff_event.detail"), default=dict)


class ConsoleNoticeRow(Row):
    """A reminder or escalation addressed to one console account (durable; live push is extra)."""

    __tablename__ = "console_notice"
    __table_args__ = (Index("ix_console_notice_inbox", "consultant_id", "read_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("consultant.id"))
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | breached | escalated
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuditEntryRow(Row):
    """Who looked at what: written in the same transaction as the read it records."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # None: the service itself (the retention job), not a console account (migration 0012).
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultant.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    # What one look covered, e.g. {"ids": [...]} for a queue list (migration 0006).
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # The console request's client address ("from where", 002 §10); None outside a request (0012).
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TranscriptTermRow(Row):
    """The blind word index: a keyed fingerprint of each word a citizen or consultant wrote.

    Transcripts are sealed, so staff search them through these fingerprints (migration 0007).
    """

    __tablename__ = "transcript_term"
    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), primary_key=True, index=True)
