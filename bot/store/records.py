"""What staff read of the consultation records: the filtered list and its total, one record with
its transcript and annotations. Plain values; console/records_json.py shapes the JSON.

Transcripts are sealed, so words are found through the blind index (bot/store/word_index.py):
a record matches when one of its turns, or its logged summary, holds every word searched for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, insert, or_, select

from bot.store.record_keeping import SUMMARY
from bot.store.tables import annotation_t, citizen_t, consultant_t, consultation_t, message_t


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One consultation as the list shows it: codes, times and names of staff; nothing personal."""

    id: int
    citizen: str  # the alias
    channel: str
    kind: str | None
    intents: list[str]
    specialty: str | None
    outcome: str | None
    referral: str | None
    application_number: str | None
    consultant: str | None  # username
    received_at: datetime
    first_reply_at: datetime | None
    closed_at: datetime | None
    breached: bool | None
    satisfaction: int | None
    quality_score: int | None


@dataclass(frozen=True, slots=True)
class RecordTurn:
    at: datetime
    author: str  # citizen | bot | consultant
    kind: str
    text: str | None


@dataclass(frozen=True, slots=True)
class Annotation:
    id: int
    at: datetime
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class FullRecord:
    """One consultation with everything a reviewer reads; personal values still as stored."""

    line: RecordLine
    status: str
    ended_by: str | None
    logged_by: str | None
    identity: dict[str, str] | None
    identity_refused: bool | None
    summary: str | None
    satisfaction_comment: str | None
    quality_checks: list[dict[str, Any]] | None
    transcript: list[RecordTurn] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Matching:
    """A search as SQL conditions; None means "any". `words` are the messages holding every word
    searched for; `only_of` limits a consultant to the records they answered or logged."""

    start: datetime | None = None  # received at or after
    end: datetime | None = None  # received before
    specialty: str | None = None
    outcome: str | None = None
    channel: str | None = None
    satisfaction: int | None = None
    consultant_id: int | None = None
    breached: bool | None = None
    words: Select[tuple[int]] | None = None
    only_of: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = consultation_t.c
        where: list[ColumnElement[bool]] = []
        if self.start is not None:
            where.append(c.started_at >= self.start)
        if self.end is not None:
            where.append(c.started_at < self.end)
        for column, value in (
            (c.specialty, self.specialty),
            (c.outcome, self.outcome),
            (c.channel, self.channel),
            (c.satisfaction, self.satisfaction),
            (c.consultant_id, self.consultant_id),
        ):
            if value is not None:
                where.append(column == value)
        if self.breached is not None:
            where.append(c.breached.is_(self.breached))
        if self.words is not None:
            spoken = (
                select(message_t.c.consultation_id)
                .where(message_t.c.id.in_(self.words))
                .cte("spoken")
                .prefix_with("MATERIALIZED", dialect="postgresql")
            )
            where.append(c.id.in_(select(spoken.c.consultation_id)))
        if self.only_of is not None:
            where.append(or_(c.consultant_id == self.only_of, c.logged_by == self.only_of))
        return where


_CONSULTANT = consultant_t.alias("answered_by")
_LINE_COLUMNS = (
    consultation_t.c.id,
    citizen_t.c.alias,
    consultation_t.c.channel,
    consultation_t.c.kind,
    consultation_t.c.intents,
    consultation_t.c.specialty,
    consultation_t.c.outcome,
    consultation_t.c.referral,
    consultation_t.c.application_number,
    _CONSULTANT.c.username.label("consultant"),
    consultation_t.c.started_at,
    consultation_t.c.first_reply_at,
    consultation_t.c.closed_at,
    consultation_t.c.breached,
    consultation_t.c.satisfaction,
    consultation_t.c.quality_score,
)


def _lines(*extra: Any) -> Select[Any]:
    return (
        select(*_LINE_COLUMNS, *extra)
        .join(citizen_t, citizen_t.c.id == consultation_t.c.citizen_id)
        .outerjoin(_CONSULTANT, _CONSULTANT.c.id == consultation_t.c.consultant_id)
    )


def _line(row: Any) -> RecordLine:
    return RecordLine(
        id=row.id,
        citizen=row.alias,
        channel=row.channel,
        kind=row.kind,
        intents=list(row.intents or []),
        specialty=row.specialty,
        outcome=row.outcome,
        referral=row.referral,
        application_number=row.application_number,
        consultant=row.consultant,
        received_at=row.started_at,
        first_reply_at=row.first_reply_at,
        closed_at=row.closed_at,
        breached=None if row.breached is None else bool(row.breached),
        satisfaction=row.satisfaction,
        quality_score=row.quality_score,
    )


def list_records(conn: Connection, matching: Matching, limit: int, offset: int = 0) -> list[RecordLine]:
    """One page of the matching records, newest first (the whole export is one long page).

    The page's ids are chosen on the consultation table alone, and only those rows are joined to
    their citizen and consultant: a search matching thousands joins a hundred."""
    newest_first = (consultation_t.c.started_at.desc(), consultation_t.c.id.desc())
    page = (
        select(consultation_t.c.id)
        .where(*matching.conditions())
        .order_by(*newest_first)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    query = _lines().join(page, page.c.id == consultation_t.c.id).order_by(*newest_first)
    return [_line(row) for row in conn.execute(query)]


def count_records(conn: Connection, matching: Matching) -> int:
    query = select(func.count()).select_from(consultation_t).where(*matching.conditions())
    return int(conn.execute(query).scalar_one())


def one_record(conn: Connection, consultation_id: int, only_of: int | None) -> FullRecord | None:
    """The record with its transcript and annotations; None when it is not there or not the viewer's."""
    c = consultation_t.c
    logger = consultant_t.alias("logged_by_account")
    query = (
        _lines(
            c.status,
            c.ended_by,
            logger.c.username.label("logger"),
            c.identity,
            c.identity_refused,
            c.summary,
            c.satisfaction_comment,
            c.quality_checks,
        )
        .outerjoin(logger, logger.c.id == c.logged_by)
        .where(c.id == consultation_id)
    )
    if only_of is not None:
        query = query.where(or_(c.consultant_id == only_of, c.logged_by == only_of))
    row = conn.execute(query).first()
    if row is None:
        return None
    return FullRecord(
        line=_line(row),
        status=row.status,
        ended_by=row.ended_by,
        logged_by=row.logger,
        identity=row.identity,
        identity_refused=row.identity_refused,
        summary=row.summary,
        satisfaction_comment=row.satisfaction_comment,
        quality_checks=row.quality_checks,
        transcript=_transcript(conn, consultation_id),
        annotations=annotations_of(conn, consultation_id),
    )


def _transcript(conn: Connection, consultation_id: int) -> list[RecordTurn]:
    """Every turn in order; a logged summary is the record's, not a turn, and silent events are left out."""
    m = message_t.c
    rows = conn.execute(
        select(m.recorded_at, m.author, m.kind, m.text)
        .where(
            m.consultation_id == consultation_id,
            m.kind != SUMMARY,
            or_(m.kind != "event", m.text.isnot(None)),
        )
        .order_by(m.id)
    ).all()
    return [RecordTurn(r.recorded_at, r.author, r.kind, r.text) for r in rows]


def annotations_of(conn: Connection, consultation_id: int) -> list[Annotation]:
    a = annotation_t.c
    rows = conn.execute(
        select(a.id, a.at, a.text, consultant_t.c.username)
        .join(consultant_t, consultant_t.c.id == a.consultant_id)
        .where(a.consultation_id == consultation_id)
        .order_by(a.id)
    ).all()
    return [Annotation(r.id, r.at, r.username, r.text) for r in rows]


def add_annotation(
    conn: Connection, consultation_id: int, consultant_id: int, text: str, now: datetime
) -> int:
    return int(
        conn.execute(
            insert(annotation_t)
            .values(consultation_id=consultation_id, consultant_id=consultant_id, at=now, text=text)
            .returning(annotation_t.c.id)
        ).scalar_one()
    )


def record_exists(conn: Connection, consultation_id: int) -> bool:
    query = select(consultation_t.c.id).where(consultation_t.c.id == consultation_id)
    return conn.execute(query).first() is not None
