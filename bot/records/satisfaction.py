"""The satisfaction survey (002 §7.4.10) as two writes in other use cases' transactions.

`ask_within` runs in the close of a handoff: the closed consultation is marked asked (once: a
retried or raced close finds it marked and asks nothing), the question waits as a pending
delivery, and the citizen's conversation starts the `rating` flow. `record_within` runs in the turn
that answered: the rating and the comment the dialogue read are stored on that closed consultation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import structlog
from sqlalchemy import Connection

from bot.records.domain.satisfaction import Commented, Rated, RatingEffect, awaiting_rating
from bot.store import satisfaction as rows
from bot.store.applications import tell_citizen
from bot.store.conversation_states import put_state, state_of

log = structlog.get_logger(__name__)


def ask_within(conn: Connection, handoff_id: int, question: str, now: datetime) -> int | None:
    """Ask the citizen of a just-closed handoff to rate it; the delivery id, or None if asked before."""
    found = rows.consultation_of_handoff(conn, handoff_id)
    if found is None:
        return None
    consultation_id, citizen_id = found
    if not rows.mark_asked(conn, consultation_id, now):
        return None
    delivery_id = tell_citizen(conn, citizen_id, consultation_id, question, now)
    put_state(conn, citizen_id, awaiting_rating(consultation_id, state_of(conn, citizen_id)), now)
    log.info("satisfaction_asked", consultation_id=consultation_id)
    return delivery_id


def record_within(conn: Connection, effects: Iterable[RatingEffect], citizen_id: int, now: datetime) -> None:
    """Store what the citizen answered on the consultation they were asked about."""
    for effect in effects:
        if isinstance(effect, Rated):
            if rows.record_score(conn, effect.consultation_id, citizen_id, effect.score, now):
                log.info("satisfaction_rated", consultation_id=effect.consultation_id, score=effect.score)
        elif isinstance(effect, Commented) and rows.record_comment(
            conn, effect.consultation_id, citizen_id, effect.text
        ):
            log.info("satisfaction_commented", consultation_id=effect.consultation_id)
