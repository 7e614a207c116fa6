"""APScheduler setup: every worker runs the same sweeps; the sweeps' conditional updates make
each step happen once, so correctness never depends on APScheduler's own job store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

Sweep = Callable[[], Awaitable[object]]


def start_alarm(sweeps: dict[str, tuple[Sweep, float]]) -> AsyncIOScheduler:
    """Start one interval job per sweep (id → (coroutine function, seconds)); coalesced, never overlapping."""
    alarm = AsyncIOScheduler(timezone="UTC")
    for job_id, (sweep, seconds) in sweeps.items():
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
