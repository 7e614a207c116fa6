"""What a citizen asking "我的申请怎么样了" is told (002 §7.4.2 c: progress can be checked any time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.applications.domain.lifecycle import OPEN_FOR_MATERIALS, citizen_may_withdraw
from bot.applications.materials import kind_names
from bot.center.texts import Texts
from bot.store import applications as rows
from bot.store.db import Database
from bot.workdays.service_calendar import ServiceCalendar


@dataclass(frozen=True, slots=True)
class ApplicationSummary:
    """One of the citizen's applications as the dialogue needs it: no personal data."""

    number: str
    status: str
    missing: tuple[str, ...]
    decision_due_at: datetime | None

    @property
    def open_for_materials(self) -> bool:
        """A photo sent now belongs to this application."""
        return self.status in OPEN_FOR_MATERIALS

    @property
    def may_withdraw(self) -> bool:
        return citizen_may_withdraw(self.status)


class ApplicationProgress:
    """Reads a citizen's applications (found by their alias) and words their progress."""

    def __init__(self, database: Database, texts: Texts, calendar: ServiceCalendar) -> None:
        self._db = database
        self._texts = texts
        self._calendar = calendar

    async def of_citizen(self, alias: str) -> list[ApplicationSummary]:
        def read(conn: Connection) -> list[ApplicationSummary]:
            citizen_id = rows.citizen_by_alias(conn, alias)
            if citizen_id is None:
                return []
            return [
                ApplicationSummary(a.number or "", a.status, tuple(a.missing), a.decision_due_at)
                for a in rows.of_citizen(conn, citizen_id)
                if a.number
            ]

        return await self._db.read(read)

    def describe(self, apps: list[ApplicationSummary]) -> str:
        """Each application: its number, status in plain words, what is missing, the decision day."""
        if not apps:
            return self._texts.say("application.progress.none")
        lines = [self.describe_one(app) for app in apps]
        return self._texts.say("application.progress.list", applications="\n".join(lines))

    def describe_one(self, app: ApplicationSummary) -> str:
        status = self._texts.say(f"application.status.{app.status}")
        line = f"申请号{app.number}：{status}"
        if app.missing:
            line += self._texts.say(
                "application.progress.missing", missing=kind_names(self._texts, list(app.missing))
            )
        if app.decision_due_at is not None and app.status in ("submitted", "under_review"):
            last = self._calendar.local(app.decision_due_at - timedelta(seconds=1))
            line += self._texts.say("application.progress.due", due=f"{last.month}月{last.day}日")
        return line
