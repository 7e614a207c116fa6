"""The mapped rows as Core tables: the store's units of work build their SQL on these."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table

from bot.store.application_rows import ApplicationDocumentRow, ApplicationEventRow, ApplicationRow
from bot.store.record_rows import AnnotationRow, ComplaintRow, QualityReviewRow
from bot.store.rows import (
    AuditEntryRow,
    CitizenRow,
    ConsoleNoticeRow,
    ConsultantRow,
    ConsultationRow,
    ConversationStateRow,
    DeliveryRow,
    HandoffEventRow,
    HandoffRow,
    MessageRow,
    ReminderRow,
    ReplyDeadlineRow,
    Row,
    TranscriptTermRow,
)

metadata = Row.metadata  # every row class above registered: what migrations are checked against
annotation_t = cast(Table, AnnotationRow.__table__)
complaint_t = cast(Table, ComplaintRow.__table__)
quality_review_t = cast(Table, QualityReviewRow.__table__)

application_t = cast(Table, ApplicationRow.__table__)
application_event_t = cast(Table, ApplicationEventRow.__table__)
document_t = cast(Table, ApplicationDocumentRow.__table__)
audit_t = cast(Table, AuditEntryRow.__table__)
citizen_t = cast(Table, CitizenRow.__table__)
consultant_t = cast(Table, ConsultantRow.__table__)
consultation_t = cast(Table, ConsultationRow.__table__)
deadline_t = cast(Table, ReplyDeadlineRow.__table__)
delivery_t = cast(Table, DeliveryRow.__table__)
event_t = cast(Table, HandoffEventRow.__table__)
handoff_t = cast(Table, HandoffRow.__table__)
message_t = cast(Table, MessageRow.__table__)
notice_t = cast(Table, ConsoleNoticeRow.__table__)
reminder_t = cast(Table, ReminderRow.__table__)
state_t = cast(Table, ConversationStateRow.__table__)
term_t = cast(Table, TranscriptTermRow.__table__)


def rowcount(result: Any) -> int:
    """Rows a conditional UPDATE changed: 1 means this caller won the race for the row."""
    return int(result.rowcount or 0)
