"""Documents: a citizen's photos downloaded from WeChat's media API and kept sealed.

A temporary media id lives three days at WeChat, so a photo is fetched right after the turn
that received it, and the periodic sweep retries whatever failed; the bytes are sealed by their
column type (bot/store/sealed.py SealedBytes) and decrypted only for a console view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from sqlalchemy import Connection

from bot.clock import Clock
from bot.errors import LegalAidError
from bot.store import application_documents as papers
from bot.store.db import Database

log = structlog.get_logger(__name__)
GetMedia = Callable[[str], Awaitable[bytes]]
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
)


def content_type_of(content: bytes) -> str:
    """What the bytes are, from their first bytes (WeChat's header is not trusted for display)."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


class DocumentFetch:
    """Downloads documents not yet fetched; each is stored once, whoever fetches it."""

    def __init__(self, database: Database, clock: Clock, get_media: GetMedia) -> None:
        self._db = database
        self._clock = clock
        self._get_media = get_media

    async def fetch(self, document_ids: list[int] | None = None) -> int:
        """Fetch the given documents, or (periodic) every one still waiting; returns how many."""
        waiting = await self._db.read(lambda conn: _waiting(conn, document_ids))
        fetched = 0
        for document_id, media_id in waiting:
            try:
                content = await self._get_media(media_id)
            except LegalAidError as exc:
                log.warning("document_fetch_failed", document_id=document_id, error=exc.code)
                await self._db.write(_failed(document_id, exc.code))
                continue
            kind = content_type_of(content)
            now = self._clock.now()
            stored = await self._db.write(_stored(document_id, content, kind, now))
            if stored:
                fetched += 1
                log.info("document_fetched", document_id=document_id, size=len(content))
        return fetched


def _failed(document_id: int, error: str) -> Callable[[Connection], None]:
    return lambda conn: papers.fetch_failed(conn, document_id, error)


def _stored(document_id: int, content: bytes, kind: str, now: datetime) -> Callable[[Connection], bool]:
    return lambda conn: papers.store_content(conn, document_id, content, kind, now)


def _waiting(conn: Connection, document_ids: list[int] | None) -> list[tuple[int, str]]:
    if document_ids is None:
        return papers.unfetched_documents(conn)
    return papers.not_yet_fetched(conn, document_ids)
