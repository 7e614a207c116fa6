"""Records retention: consultations closed longer ago than the configured period
(`LEGALAID_RETENTION_DAYS`) are anonymised, in batches, by a scheduled job in every worker and
by `legalaid records retention`; `--dry-run` first says how many and from which day.

The cut-off is a day boundary in the center's time zone, so a report and the run after it on
the same day agree. Each batch is one transaction with one audit entry by the service itself
(no console account). What is removed and what stays is bot/store/retention.py; applications
are not anonymised here: they have their own archive rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection

from bot.clock import Clock
from bot.store import audit, retention
from bot.store.db import Database

log = structlog.get_logger(__name__)
BATCH = 200
# How often each worker looks for records past the cut-off: hourly is cheap (one indexed query
# when nothing is due) and still runs on a service restarted every few hours.
EVERY_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class RetentionReport:
    cutoff: datetime  # consultations closed before this instant
    consultations: int
    messages: int


class RecordRetention:
    def __init__(self, db: Database, clock: Clock, days: int, tz: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self.days = days
        self.tz = tz

    def cutoff(self, now: datetime) -> datetime:
        """The center's midnight `days` days before today."""
        today = now.astimezone(self.tz).date()
        return datetime.combine(today - timedelta(days=self.days), time(0), self.tz)

    async def report(self) -> RetentionReport:
        """What a run now would anonymise (the dry run); changes nothing, writes no entry."""
        cutoff = self.cutoff(self._clock.now())
        consultations, messages = await self._db.read(lambda conn: retention.count_due(conn, cutoff))
        return RetentionReport(cutoff, consultations, messages)

    async def run(self, batch: int = BATCH) -> RetentionReport:
        """Anonymise everything past the cut-off, one batch per transaction; running it again,
        or in two workers at once, anonymises nothing twice."""
        now = self._clock.now()
        cutoff = self.cutoff(now)
        consultations = messages = 0
        while True:
            done, stripped, full = await self._db.write(lambda conn: _batch(conn, cutoff, now, batch))
            consultations += done
            messages += stripped
            if not full:
                break
        if consultations:
            log.info("records_anonymised", consultations=consultations, messages=messages)
        return RetentionReport(cutoff, consultations, messages)

    async def sweep(self) -> int:
        """The scheduled job (an async function, as the alarm requires)."""
        return (await self.run()).consultations


def _batch(conn: Connection, cutoff: datetime, now: datetime, batch: int) -> tuple[int, int, bool]:
    """One transaction: the next batch past the cut-off, anonymised once, with its audit entry."""
    ids = retention.due_batch(conn, cutoff, batch)
    won, stripped = retention.anonymise(conn, ids, now) if ids else ([], 0)
    if won:
        detail = {"cutoff": cutoff.isoformat(), "ids": won, "messages": stripped}
        audit.add_entry(conn, None, "anonymise_records", "consultation", f"{won[0]}..{won[-1]}", now, detail)
    return len(won), stripped, len(ids) == batch and bool(won)
