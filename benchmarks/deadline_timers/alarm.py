"""The simulated workers and their alarm: the production sweep and re-arm on a movable clock.

Each worker is its own engine on the same database; at every wake the workers due then sweep
concurrently (`sweep_deadlines`, then `next_due`) and re-arm their one-off wakeup as bot/app.py
`sweep_and_rearm` does, while the plan's answers and appointments are applied as their time comes.
What the day fired and what each sweep cost is kept in `Day` for the summary.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from benchmarks.deadline_timers.plan import START, Plan
from benchmarks.deadline_timers.rows import apply

if TYPE_CHECKING:
    from bot.workdays.service_calendar import ServiceCalendar

REARM_SLACK = timedelta(seconds=0.05)  # bot/app.py: run_date = now + wait + 0.05


@dataclass(slots=True)
class Worker:
    name: str
    db: Any
    backend_pids: set[int] = field(default_factory=set)
    oneoff: datetime | None = None

    def server_cpu_ns(self) -> int:
        """CPU of this worker's PostgreSQL backends (same host only): /proc/<pid>/schedstat."""
        total = 0
        for pid in list(self.backend_pids):
            try:
                with open(f"/proc/{pid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:
                continue
        return total


def open_worker(name: str, url: str) -> Worker:
    from benchmarks.postgres import bench_protection
    from bot.store.db import open_database

    worker = Worker(name, open_database(url, bench_protection()))
    if worker.db.async_engine is not None:

        def remember_pid(dbapi_conn: Any, _record: Any) -> None:
            worker.backend_pids.add(int(dbapi_conn.driver_connection.get_server_pid()))

        event.listen(worker.db.async_engine.sync_engine, "connect", remember_pid)
    return worker


@dataclass(slots=True)
class Day:
    wakes: int = 0
    worker_sweeps: int = 0
    fired: list[Any] = field(default_factory=list)
    sweep_ms: list[float] = field(default_factory=list)  # per worker sweep: sweep_deadlines
    sweep_fired: list[int] = field(default_factory=list)
    sweep_at: list[datetime] = field(default_factory=list)
    next_due_ms: list[float] = field(default_factory=list)
    wake_cpu_ms: list[float] = field(default_factory=list)  # per wake (all workers), client CPU
    wake_fired: list[int] = field(default_factory=list)
    cpu_s: float = 0.0
    server_cpu_s: float | None = None
    wall_s: float = 0.0
    unarmed_overdue: int = 0  # next_due had already passed when the worker re-armed
    last_wake: datetime = START
    # (wake, clock after the sweep) of the sweeps that ended with the next step already due
    unarmed_windows: list[tuple[datetime, datetime]] = field(default_factory=list)


async def simulate(
    workers: list[Worker],
    plan: Plan,
    handoff_ids: list[int],
    actors: list[int],
    service: ServiceCalendar,
    *,
    interval: timedelta,
    frozen_clock: bool,
    rearm_overdue: bool,
) -> Day:
    from bot.clock import MovableClock
    from scheduler.deadline_sweep import next_due, sweep_deadlines

    clock = MovableClock(plan.start)
    day = Day()
    rng = random.Random(len(handoff_ids))
    actions = list(reversed(plan.actions))
    tick = plan.start
    server = workers[0].db.async_engine is not None
    server_ns = 0

    async def wake_one(worker: Worker, wake: datetime) -> None:
        started = time.perf_counter()
        fired = await sweep_deadlines(worker.db, wake, service)
        swept = time.perf_counter()
        upcoming = await next_due(worker.db)
        done = time.perf_counter()
        day.fired.extend(fired)
        day.worker_sweeps += 1
        day.sweep_ms.append((swept - started) * 1000)
        day.sweep_fired.append(len(fired))
        day.sweep_at.append(wake)
        day.next_due_ms.append((done - swept) * 1000)
        # bot/app.py sweep_and_rearm: wait = next_due - clock.now(), read after the sweep.
        after = wake if frozen_clock else wake + timedelta(seconds=done - started)
        if upcoming is None:
            return
        wait = upcoming - after
        if wait <= timedelta(0):
            day.unarmed_overdue += 1
            day.unarmed_windows.append((wake, after))
            # bot/app.py since 29d4a6a: wait = max(wait, 0), but only for a step that fell due after
            # this sweep began (one due earlier is locked by another worker, which fires it).
            if rearm_overdue and upcoming > wake:
                worker.oneoff = after + REARM_SLACK
        elif wait < interval:
            worker.oneoff = after + wait + REARM_SLACK  # replace_existing=True

    wall = time.perf_counter()
    while True:
        wake = min([tick] + [w.oneoff for w in workers if w.oneoff is not None])
        if wake > plan.end:
            break
        waking = [w for w in workers if wake in (tick, w.oneoff)]
        if tick == wake:
            tick += interval
        for w in waking:
            if w.oneoff == wake:
                w.oneoff = None
        while actions and actions[-1].at <= wake:
            action = actions.pop()
            await apply(workers[0].db, action, handoff_ids[action.index], rng.choice(actors))
        clock.set(wake)
        before = len(day.fired)
        ns = sum(w.server_cpu_ns() for w in waking) if server else 0
        cpu = time.process_time()
        await asyncio.gather(*(wake_one(w, clock.now()) for w in waking))
        spent = time.process_time() - cpu
        if server:
            server_ns += sum(w.server_cpu_ns() for w in waking) - ns
        day.cpu_s += spent
        day.wakes += 1
        day.wake_cpu_ms.append(spent * 1000)
        day.wake_fired.append(len(day.fired) - before)
    day.wall_s = time.perf_counter() - wall
    day.last_wake = clock.now()
    day.server_cpu_s = server_ns / 1e9 if server else None
    return day
