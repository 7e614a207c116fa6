"""Baselines taken in the same session, so the day's sweep times can be read as ratios.

An empty sweep + `next_due` (wall and CPU) and a bare write transaction, each the median of
FLOOR_SAMPLES runs: on the fresh database (the floor) and after the day (what leftover rows cost).
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import text

from benchmarks.deadline_timers.alarm import Worker

if TYPE_CHECKING:
    from bot.workdays.service_calendar import ServiceCalendar

FLOOR_SAMPLES = 200


async def floor(worker: Worker, at: datetime, service: ServiceCalendar) -> dict[str, float]:
    """Median wall and CPU of an empty sweep + next_due at `at`, and of a bare write transaction."""
    from scheduler.deadline_sweep import next_due, sweep_deadlines

    sweeps, nexts, cpus, bare = [], [], [], []
    fired_total = 0
    for _ in range(FLOOR_SAMPLES):
        cpu = time.process_time()
        started = time.perf_counter()
        fired = await sweep_deadlines(worker.db, at, service)
        swept = time.perf_counter()
        await next_due(worker.db)
        nexts.append((time.perf_counter() - swept) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        sweeps.append((swept - started) * 1000)
        fired_total += len(fired)  # 0 unless the day left a due step unfired
        started = time.perf_counter()
        await worker.db.write(lambda conn: conn.execute(text("SELECT 1")).scalar_one())
        bare.append((time.perf_counter() - started) * 1000)
    return {
        "sweep_ms": statistics.median(sweeps),
        "next_due_ms": statistics.median(nexts),
        "cpu_ms": statistics.median(cpus),
        "bare_ms": statistics.median(bare),
        "fired": fired_total,
    }
