"""A bot-only consultation ends after a silence (LEGALAID_CONSULTATION_SILENCE_MINUTES, default 30).

Run by the alarm in every worker: each close is a conditional UPDATE that checks again that the
consultation is still open, still quiet and has no live handoff, so it fires once however many
workers sweep, and never over a citizen who just wrote. The outcome is inferred from what the bot
did (bot/records/domain/outcome.py); a citizen writing after the close opens a new consultation.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection

from bot.center.specialties import SpecialtyRouting
from bot.clock import Clock
from bot.records.domain.outcome import bot_outcome, screened_matter
from bot.store.db import Database
from bot.store.record_keeping import SilentConsultation, close_silent, silent_consultations

log = structlog.get_logger(__name__)
BATCH = 200


class ConsultationSilence:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        routing: SpecialtyRouting,
        silence: timedelta,
        referral: str | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._routing = routing
        self._silence = silence
        self._referral = referral  # where the bot's out-of-scope answer sends the citizen

    async def close_silent(self) -> int:
        """Close every consultation quiet for the silence; returns how many this worker closed."""
        now = self._clock.now()
        cutoff = now - self._silence
        closed = 0
        while True:
            batch = await self._db.read(lambda conn: silent_consultations(conn, cutoff, BATCH))
            if not batch:
                break
            won = await self._db.write(functools.partial(self._close, batch=batch, cutoff=cutoff, now=now))
            closed += won
            if len(batch) < BATCH or won == 0:
                break  # the rest is another worker's, or changed meanwhile
        if closed:
            log.info("consultations_closed_after_silence", count=closed)
        return closed

    def _close(
        self, conn: Connection, *, batch: list[SilentConsultation], cutoff: datetime, now: datetime
    ) -> int:
        won = 0
        for quiet in batch:
            outcome = bot_outcome(quiet.screening)
            matter = screened_matter(quiet.screening)
            specialty = None
            if matter or quiet.intent:
                specialty = self._routing.for_consultation(matter, quiet.intent)
            won += close_silent(
                conn,
                quiet.id,
                cutoff,
                now,
                outcome=outcome,
                referral=self._referral if outcome == "c" else None,
                specialty=specialty,
            )
        return won
