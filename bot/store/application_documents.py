"""The SQL of an application's documents: the citizen's photos, their kinds and sealed bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from bot.store.tables import document_t, rowcount


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document as the use cases see it, without its bytes."""

    id: int
    citizen_id: int
    application_id: int | None
    kind: str | None
    media_id: str
    received_at: datetime
    content_type: str | None
    size: int | None
    fetched_at: datetime | None


_DOCUMENT_COLUMNS = (
    document_t.c.id,
    document_t.c.citizen_id,
    document_t.c.application_id,
    document_t.c.kind,
    document_t.c.media_id,
    document_t.c.received_at,
    document_t.c.content_type,
    document_t.c.size,
    document_t.c.fetched_at,
)


def documents(conn: Connection, application_id: int) -> list[DocumentRecord]:
    rows = conn.execute(
        select(*_DOCUMENT_COLUMNS)
        .where(document_t.c.application_id == application_id)
        .order_by(document_t.c.id)
    ).all()
    return [DocumentRecord(*row) for row in rows]


def document_content(conn: Connection, application_id: int, document_id: int) -> tuple[bytes, str] | None:
    row = conn.execute(
        select(document_t.c.content, document_t.c.content_type).where(
            document_t.c.id == document_id, document_t.c.application_id == application_id
        )
    ).first()
    if row is None or row.content is None:
        return None
    return row.content, row.content_type or "application/octet-stream"


def kinds_received(conn: Connection, application_id: int, since: datetime | None = None) -> set[str]:
    """The kinds of document the application has (sent at or after `since`, when given)."""
    query = select(document_t.c.kind).where(
        document_t.c.application_id == application_id, document_t.c.kind.is_not(None)
    )
    if since is not None:
        query = query.where(document_t.c.received_at >= since)
    return {str(kind) for kind in conn.execute(query).scalars()}


def document_count(conn: Connection, application_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(document_t).where(document_t.c.application_id == application_id)
        ).scalar_one()
    )


def unsorted_documents(conn: Connection, citizen_id: int) -> list[int]:
    """Photos sent outside the intake whose kind the citizen has not said yet."""
    rows = conn.execute(
        select(document_t.c.id).where(document_t.c.citizen_id == citizen_id, document_t.c.kind.is_(None))
    ).scalars()
    return [int(i) for i in rows]


def unfetched_documents(conn: Connection, limit: int = 20) -> list[tuple[int, str]]:
    """Documents still to download (the periodic retry), oldest first, until attempts run out."""
    rows = conn.execute(
        select(document_t.c.id, document_t.c.media_id)
        .where(document_t.c.fetched_at.is_(None), document_t.c.attempts < MAX_FETCH_ATTEMPTS)
        .order_by(document_t.c.received_at)
        .limit(limit)
    ).all()
    return [(int(row.id), str(row.media_id)) for row in rows]


def not_yet_fetched(conn: Connection, document_ids: list[int]) -> list[tuple[int, str]]:
    """Of the given documents (a turn's photos), those not downloaded yet."""
    rows = conn.execute(
        select(document_t.c.id, document_t.c.media_id).where(
            document_t.c.id.in_(document_ids), document_t.c.fetched_at.is_(None)
        )
    ).all()
    return [(int(row.id), str(row.media_id)) for row in rows]


MAX_FETCH_ATTEMPTS = 20


def add_document(
    conn: Connection,
    citizen_id: int,
    application_id: int | None,
    message_id: int | None,
    media_id: str,
    kind: str | None,
    now: datetime,
) -> int:
    return int(
        conn.execute(
            insert(document_t)
            .values(
                citizen_id=citizen_id,
                application_id=application_id,
                message_id=message_id,
                kind=kind,
                media_id=media_id,
                received_at=now,
                attempts=0,
            )
            .returning(document_t.c.id)
        ).scalar_one()
    )


def sort_documents(conn: Connection, document_ids: list[int], application_id: int, kind: str) -> None:
    conn.execute(
        update(document_t)
        .where(document_t.c.id.in_(document_ids))
        .values(kind=kind, application_id=application_id)
    )


def attach_loose_documents(conn: Connection, citizen_id: int, application_id: int) -> None:
    """Documents sent during the intake belong to the application it submits."""
    conn.execute(
        update(document_t)
        .where(document_t.c.citizen_id == citizen_id, document_t.c.application_id.is_(None))
        .values(application_id=application_id)
    )


def store_content(
    conn: Connection, document_id: int, content: bytes, content_type: str, now: datetime
) -> bool:
    moved = conn.execute(
        update(document_t)
        .where(document_t.c.id == document_id, document_t.c.fetched_at.is_(None))
        .values(content=content, content_type=content_type, size=len(content), fetched_at=now)
    )
    return rowcount(moved) == 1


def fetch_failed(conn: Connection, document_id: int, error: str) -> None:
    conn.execute(
        update(document_t)
        .where(document_t.c.id == document_id)
        .values(attempts=document_t.c.attempts + 1, last_error=error[:64])
    )


def drop_documents_of_draft(conn: Connection, application_id: int) -> None:
    conn.execute(delete(document_t).where(document_t.c.application_id == application_id))
