"""APScheduler setup: every worker runs the same sweeps; the sweeps' conditional updates make
each step happen once, so correctness never depends on APScheduler's own job store."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.store.db import Database
from bot.workdays.service_calendar import ServiceCalendar
from handoff.opening import Announcer
from scheduler.deadline_sweep import next_due, sweep_deadlines

Sweep = Callable[[], Awaitable[object]]


def start_alarm(sweeps: dict[str, tuple[Sweep, float]]) -> AsyncIOScheduler:
    """Start one interval job per sweep (id → (coroutine function, seconds)); coalesced, never overlapping."""
    alarm = AsyncIOScheduler(timezone="UTC")
    for job_id, (sweep, seconds) in sweeps.items():
        if not inspect.iscoroutinefunction(sweep):
            # A lambda returning a coroutine is called in a thread and its coroutine never awaited:
            # the sweep would silently never run.
            raise TypeError(f"the {job_id} sweep must be an async function")
        alarm.add_job(
            sweep,
            "interval",
            seconds=seconds,
            id=job_id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            misfire_grace_time=max(1, int(seconds)),
        )
    alarm.start()
    return alarm


class DeadlineAlarm:
    """Sweeps reply deadlines every `every` seconds and also exactly when the next step falls due."""

    def __init__(
        self, db: Database, clock: Clock, service: ServiceCalendar, announcer: Announcer, *, every: float
    ) -> None:
        self._db = db
        self._clock = clock
        self._service = service
        self._announcer = announcer
        self.every = every
        self._alarm: AsyncIOScheduler | None = None

    def attach(self, alarm: AsyncIOScheduler) -> None:
        """Let the sweep add its one-off wakeups to the running scheduler."""
        self._alarm = alarm

    async def sweep(self) -> int:
        """Fire due reminders and breaches at the clock's `now` and announce them on the live feed."""
        fired = await sweep_deadlines(self._db, self._clock.now(), self._service)
        for step in fired:
            await self._announcer.publish(step.step, step.handoff_id)
        return len(fired)

    async def sweep_and_rearm(self) -> int:
        """Sweep, then wake exactly when the next step falls due (if sooner than the next tick)."""
        started = self._clock.now()
        fired = await self.sweep()
        upcoming = await next_due(self._db)
        # A step that fell due while this sweep ran is swept again at once, not at the next tick;
        # one due before it started is being fired by another worker (its row is locked).
        if upcoming is not None and upcoming > started and self._alarm is not None:
            wait = max((upcoming - self._clock.now()).total_seconds(), 0.0)
            if wait < self.every:
                self._alarm.add_job(
                    self.sweep_and_rearm,
                    "date",
                    run_date=self._clock.now() + timedelta(seconds=wait + 0.05),
                    id="deadline:next",
                    replace_existing=True,
                    misfire_grace_time=60,
                )
        return fired
