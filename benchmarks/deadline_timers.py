"""Deadline timers: a simulated day of reminders and breaches for 10 000 open handoffs.

    python -m benchmarks.deadline_timers --db both --handoffs 10000 --seed 7
    python -m benchmarks.deadline_timers --db postgres --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

A fresh database (SQLite in a temporary folder; PostgreSQL: schema `public` of `--pg-url` is
DROPPED and recreated, then ANALYZEd after the load as autoanalyze would) gets 10 000 citizens,
consultations and open handoffs (`insert_handoff`) whose deadlines are spread uniformly over
24 h, online (reminded 60 and 15 min before) and message (240 and 60 min before) mixed,
reminders before the start dropped. During the day 20 % of the handoffs are answered
(`add_consultant_message`: their reminders are cancelled, their deadline answered) and 5 % get
an appointment (`set_appointment`: old timers superseded, new ones set), each at a random moment
before its deadline.

The day is driven by the production algorithm (bot/app.py `sweep_and_rearm` + scheduler/alarm.py)
on a movable clock: an interval tick every `--interval` seconds on a fixed grid, plus a one-off
wakeup at `next_due + 0.05 s` armed when `next_due - clock.now() < interval` (at once when the next
step fell due during the sweep; `--old-rearm` models bot/app.py before commit 29d4a6a, which armed
only when `0 < next_due - clock.now()` and so left such a step to the next tick). By default the
clock runs during a sweep by the sweep's measured wall time, as a real clock would (`--frozen-clock`
keeps it at the wake time). Each variant is run on its own fresh database: one worker, then two
workers (two engines on the same database) sweeping concurrently at every wake.

Reported per database: steps fired against the plan and against the rows, missed, duplicates
(in memory and in the rows: sent/breached rows, events and notices against the firings), late
firings (> 1 s after due), scheduler CPU (`time.process_time()` around the sweeps and `next_due`
only; on PostgreSQL also the server backends' CPU from /proc), sweep wall times, and baselines
taken in the same session: an empty sweep on the fresh database (the floor), a bare write
transaction, and an empty sweep after the day (what the day's leftover rows cost every sweep).
Each variant simulates about 40 000 wakes: with 10 000 handoffs expect 10-30 min per variant.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, func, insert, select, text

if TYPE_CHECKING:
    from bot.workdays.service_calendar import ServiceCalendar

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_h3"
REPO_ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 00:00 Beijing time
DAY = timedelta(hours=24)
LATE = timedelta(seconds=1)
REARM_SLACK = timedelta(seconds=0.05)  # bot/app.py: run_date = now + wait + 0.05
FLOOR_SAMPLES = 200


# ---- the plan --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Action:
    at: datetime
    what: str  # answer | appointment
    index: int  # handoff index in the plan
    appointment_at: datetime | None = None
    reminders: tuple[datetime, ...] = ()


@dataclass(slots=True)
class Plan:
    start: datetime
    cutoff: datetime  # steps due by then must fire; the day runs a minute longer
    end: datetime
    kinds: list[str]
    specialties: list[str]
    due: list[datetime]
    opened: list[datetime]
    reminders: list[tuple[datetime, ...]]
    actions: list[Action]
    # (step, handoff index, due_at) that must fire before `end`
    expected: set[tuple[str, int, datetime]] = field(default_factory=set)
    # steps an appointment created during the day -> when (nothing re-arms the alarm then)
    created: dict[tuple[str, int, datetime], datetime] = field(default_factory=dict)


def make_plan(handoffs: int, seed: int, points: Any, specialty_codes: list[str]) -> Plan:
    from handoff.reply_deadline import MESSAGE_REPLY, ONLINE_REPLY, _reminders, appointment_deadline

    rng = random.Random(seed)
    start, cutoff = START, START + DAY
    plan = Plan(start, cutoff, cutoff + timedelta(minutes=1), [], [], [], [], [], [])
    for i in range(handoffs):
        kind = rng.choice(("online", "message"))
        due = start + timedelta(seconds=rng.uniform(1, DAY.total_seconds()))
        due = due.replace(microsecond=due.microsecond // 1000 * 1000)  # ms, like a real clock's records
        opened = due - (ONLINE_REPLY if kind == "online" else MESSAGE_REPLY)
        reminders = tuple(at for at in _reminders(opened, due, points.before(kind)) if at > start)
        plan.kinds.append(kind)
        plan.specialties.append(rng.choice(specialty_codes))
        plan.due.append(due)
        plan.opened.append(opened)
        plan.reminders.append(reminders)
        roll = rng.random()
        if roll < 0.25:
            at = start + (due - start) * rng.random()
            if roll < 0.20:
                plan.actions.append(Action(at, "answer", i))
                plan.expected.update(("reminder", i, r) for r in reminders if r < at)
                continue
            promised = at + timedelta(minutes=rng.uniform(30, 12 * 60))
            promised = promised.replace(microsecond=0)
            new = appointment_deadline(promised, at, points, kind=kind)
            plan.actions.append(Action(at, "appointment", i, new.due_at, new.reminders))
            plan.created.update({("reminder", i, r): at for r in new.reminders})
            plan.created[("breached", i, new.due_at)] = at
            plan.expected.update(("reminder", i, r) for r in reminders if r < at)
            plan.expected.update(("reminder", i, r) for r in new.reminders if r <= cutoff)
            if new.due_at <= cutoff:
                plan.expected.add(("breached", i, new.due_at))
            continue
        plan.expected.update(("reminder", i, r) for r in reminders)
        plan.expected.add(("breached", i, due))
    plan.actions.sort(key=lambda a: a.at)
    return plan


# ---- the database ----------------------------------------------------------------------------
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
    from bot.store.db import open_database

    worker = Worker(name, open_database(url))
    if worker.db.async_engine is not None:

        def remember_pid(dbapi_conn: Any, _record: Any) -> None:
            worker.backend_pids.add(int(dbapi_conn.driver_connection.get_server_pid()))

        event.listen(worker.db.async_engine.sync_engine, "connect", remember_pid)
    return worker


async def reset_postgres(url: str) -> None:
    from bot.store.db import open_database

    db = open_database(url)
    await db.write(
        lambda conn: [
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE")),
            conn.execute(text("CREATE SCHEMA public")),
        ]
    )
    await db.close()


async def load(db: Any, plan: Plan) -> tuple[list[int], list[int], list[int]]:
    """Consultants, citizens + consultations, then the handoffs; returns (handoff, staff, supervisor) ids."""
    from bot.store.consultants import save_consultant
    from bot.store.handoffs import NewHandoff, insert_handoff
    from bot.store.tables import citizen_t, consultation_t

    start = plan.start
    codes = sorted(set(plan.specialties))

    def staff(conn: Connection) -> tuple[list[int], list[int]]:
        answering = [
            save_consultant(
                conn,
                username=f"bench_c{i}",
                password_hash="bench-hash",
                role="consultant",
                specialties=[codes[i % len(codes)], codes[(i + 3) % len(codes)]],
                now=start,
            )
            for i in range(8)
        ]
        answering.append(
            save_consultant(
                conn,
                username="bench_general",
                password_hash="bench-hash",
                role="consultant",
                specialties=["general"],
                now=start,
            )
        )
        supervisors = [
            save_consultant(
                conn,
                username=f"bench_s{i}",
                password_hash="bench-hash",
                role="supervisor",
                specialties=["general"],
                now=start,
            )
            for i in range(2)
        ]
        save_consultant(
            conn, username="bench_admin", password_hash="bench-hash", role="admin", specialties=[], now=start
        )
        return answering, supervisors

    answering, supervisors = await db.write(staff)
    count = len(plan.due)

    def people(conn: Connection) -> list[tuple[int, int]]:
        conn.execute(
            insert(citizen_t),
            [
                {
                    "openid": f"o_bench_{i:07d}",
                    "alias": f"B{i:07d}",
                    "subscribed": True,
                    "first_seen_at": plan.opened[i],
                    "last_inbound_at": plan.opened[i],
                }
                for i in range(count)
            ],
        )
        citizens = conn.execute(select(citizen_t.c.id).order_by(citizen_t.c.id)).scalars().all()
        conn.execute(
            insert(consultation_t),
            [
                {"citizen_id": c, "status": "open", "channel": "wechat", "started_at": plan.opened[i]}
                for i, c in enumerate(citizens)
            ],
        )
        rows = conn.execute(
            select(consultation_t.c.citizen_id, consultation_t.c.id).order_by(consultation_t.c.id)
        ).all()
        return [(r.citizen_id, r.id) for r in rows]

    pairs = await db.write(people)
    handoff_ids: list[int] = []
    for first in range(0, count, 500):

        def batch(conn: Connection, first: int = first) -> list[int]:
            ids = []
            for i in range(first, min(first + 500, count)):
                citizen_id, consultation_id = pairs[i]
                new = NewHandoff(
                    consultation_id=consultation_id,
                    citizen_id=citizen_id,
                    reason="request_human",
                    kind=plan.kinds[i],
                    specialty=plan.specialties[i],
                    intent=None,
                    summary="benchmark",
                    packet={},
                    due_at=plan.due[i],
                    reminders=plan.reminders[i],
                )
                ids.append(insert_handoff(conn, new, plan.opened[i]))
            return ids

        handoff_ids.extend(await db.write(batch))
    return handoff_ids, answering, supervisors


async def apply(db: Any, action: Action, handoff_id: int, actor: int) -> None:
    from bot.store import handoffs as records

    if action.what == "answer":
        await db.write(
            lambda conn: records.add_consultant_message(conn, handoff_id, actor, "您好，已收到。", action.at)
        )
    else:
        assert action.appointment_at is not None
        await db.write(
            lambda conn: records.set_appointment(
                conn, handoff_id, action.appointment_at, action.reminders, actor, action.at
            )
        )


# ---- the day ---------------------------------------------------------------------------------
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


async def audit(db: Any, plan: Plan) -> dict[str, int]:
    """What the rows say after the day."""
    from bot.store.tables import deadline_t, event_t, handoff_t, notice_t, reminder_t

    end = plan.cutoff

    def count(conn: Connection, table: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def run(conn: Connection) -> dict[str, int]:
        r, d = reminder_t.c, deadline_t.c
        pending = (d.superseded_at.is_(None), d.answered_at.is_(None))
        return {
            "reminders": count(conn, reminder_t),
            "deadlines": count(conn, deadline_t),
            "reminders_sent": count(conn, reminder_t, r.sent_at.isnot(None)),
            "reminders_due_db": count(conn, reminder_t, r.cancelled_at.is_(None), r.due_at <= end),
            "reminders_missed_db": count(
                conn, reminder_t, r.sent_at.is_(None), r.cancelled_at.is_(None), r.due_at <= end
            ),
            "reminders_cancelled": count(conn, reminder_t, r.cancelled_at.isnot(None)),
            "reminders_cancelled_overdue": count(
                conn, reminder_t, r.sent_at.is_(None), r.cancelled_at.isnot(None), r.cancelled_at > r.due_at
            ),
            "deadlines_breached": count(conn, deadline_t, d.breached_at.isnot(None)),
            "deadlines_due_db": count(conn, deadline_t, *pending, d.due_at <= end),
            "deadlines_missed_db": count(
                conn, deadline_t, *pending, d.breached_at.is_(None), d.due_at <= end
            ),
            "deadlines_answered": count(conn, deadline_t, d.answered_at.isnot(None)),
            "deadlines_superseded": count(conn, deadline_t, d.superseded_at.isnot(None)),
            "handoffs_breached": count(conn, handoff_t, handoff_t.c.breached_at.isnot(None)),
            "events_reminded": count(conn, event_t, event_t.c.kind == "reminded"),
            "events_breached": count(conn, event_t, event_t.c.kind == "breached"),
            "notices": count(conn, notice_t),
        }

    return dict(await db.read(run))


# ---- one variant ---------------------------------------------------------------------------
async def variant(url: str, workers_count: int, plan: Plan, args: argparse.Namespace) -> dict[str, Any]:
    from bot.center.center import load_center
    from bot.store.db import upgrade_schema
    from scheduler.deadline_sweep import next_due

    if url.startswith("postgresql"):
        await reset_postgres(url)
    workers = [open_worker(f"w{i}", url) for i in range(workers_count)]
    try:
        await upgrade_schema(workers[0].db)
        center = load_center(REPO_ROOT / "data")
        loading = time.perf_counter()
        handoff_ids, answering, _ = await load(workers[0].db, plan)
        load_s = time.perf_counter() - loading
        autovacuum = "n/a"
        if workers[0].db.async_engine is not None:
            # A bulk load is what autoanalyze reacts to; without statistics PostgreSQL guesses that
            # `sent_at IS NULL` matches 0.5 % of the rows and scans every pending row each sweep.
            autovacuum = await workers[0].db.read(
                lambda conn: conn.execute(text("SHOW autovacuum")).scalar_one()
            )
            await workers[0].db.write(lambda conn: conn.execute(text("ANALYZE")))
        for w in workers[1:]:
            await w.db.ping()
        first = await next_due(workers[0].db)
        assert first is not None and first > plan.start
        start_floor = await floor(workers[0], plan.start, center.service)
        day = await simulate(
            workers,
            plan,
            handoff_ids,
            answering,
            center.service,
            interval=timedelta(seconds=args.interval),
            frozen_clock=args.frozen_clock,
            rearm_overdue=not args.old_rearm,
        )
        rows = await audit(workers[0].db, plan)
        end_floor = await floor(workers[0], day.last_wake, center.service)
    finally:
        for w in workers:
            await w.db.close()
    interval = timedelta(seconds=args.interval)
    result = summarise(plan, handoff_ids, day, rows, start_floor, end_floor, load_s, workers_count, interval)
    result["autovacuum"] = autovacuum
    return result


def _after_unarmed(
    dues: list[datetime], windows: list[tuple[datetime, datetime]], interval: timedelta
) -> int:
    """How many of `dues` fell after a sweep that ended with its next step due, within one interval."""
    starts = sorted(w[0] for w in windows)
    found = 0
    for due in dues:
        i = bisect.bisect_left(starts, due) - 1
        found += i >= 0 and due - starts[i] <= interval
    return found


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(
    plan: Plan,
    handoff_ids: list[int],
    day: Day,
    rows: dict[str, int],
    start_floor: dict[str, float],
    end_floor: dict[str, float],
    load_s: float,
    workers: int,
    interval: timedelta,
) -> dict[str, Any]:
    index = {h: i for i, h in enumerate(handoff_ids)}
    keys = Counter((f.step, index[f.handoff_id], f.due_at) for f in day.fired)
    fired = set(keys)
    late_keys = [(f.step, index[f.handoff_id], f.due_at) for f in day.fired if f.fired_at - f.due_at > LATE]
    created_late = sum(1 for k in late_keys if k in plan.created and k[2] - plan.created[k] < interval)
    reminders = [f for f in day.fired if f.step == "reminder"]
    breaches = [f for f in day.fired if f.step == "breached"]
    lateness = [(f.fired_at - f.due_at).total_seconds() for f in day.fired]
    empty = [ms for ms, n in zip(day.sweep_ms, day.sweep_fired, strict=True) if n == 0]
    busy = [ms for ms, n in zip(day.sweep_ms, day.sweep_fired, strict=True) if n > 0]
    first_hour = plan.start + timedelta(hours=1)
    last_hour = plan.cutoff - timedelta(hours=1)
    empty_first = [
        ms
        for ms, n, at in zip(day.sweep_ms, day.sweep_fired, day.sweep_at, strict=True)
        if n == 0 and at < first_hour
    ]
    empty_last = [
        ms
        for ms, n, at in zip(day.sweep_ms, day.sweep_fired, day.sweep_at, strict=True)
        if n == 0 and at >= last_hour
    ]
    empty_cpu = [c for c, n in zip(day.wake_cpu_ms, day.wake_fired, strict=True) if n == 0]
    busy_cpu = sum(c for c, n in zip(day.wake_cpu_ms, day.wake_fired, strict=True) if n > 0)
    busy_wakes = sum(1 for n in day.wake_fired if n > 0)
    marginal = (busy_cpu - busy_wakes * _med(empty_cpu)) / max(1, len(day.fired))
    expected_reminders = sum(1 for k in plan.expected if k[0] == "reminder")
    return {
        "workers": workers,
        "load_s": load_s,
        "handoffs": len(handoff_ids),
        "rows": rows,
        "expected_reminders": expected_reminders,
        "expected_breaches": len(plan.expected) - expected_reminders,
        "fired_reminders": len(reminders),
        "fired_breaches": len(breaches),
        "missed": len(plan.expected - fired),
        "unexpected": len({k for k in fired if k[2] <= plan.cutoff} - plan.expected),
        "dup_memory": sum(n - 1 for n in keys.values()),
        "dup_rows": {
            "sent rows − fired": rows["reminders_sent"] - len(reminders),
            "breached rows − fired": rows["deadlines_breached"] - len(breaches),
            "reminded events − fired": rows["events_reminded"] - len(reminders),
            "breached events − fired": rows["events_breached"] - len(breaches),
            "notices − recipients": rows["notices"] - sum(len(f.recipients) for f in day.fired),
        },
        "late": sum(1 for s in lateness if s > LATE.total_seconds()),
        "late_created_close": created_late,
        "late_in_window": _after_unarmed(
            [f.due_at for f in day.fired if f.fired_at - f.due_at > LATE], day.unarmed_windows, interval
        ),
        "late_median_s": _med(lateness),
        "late_p99_s": _pct(lateness, 0.99),
        "late_max_s": max(lateness, default=float("nan")),
        "unarmed_overdue": day.unarmed_overdue,
        "wakes": day.wakes,
        "worker_sweeps": day.worker_sweeps,
        "busy_wakes": busy_wakes,
        "cpu_s": day.cpu_s,
        "server_cpu_s": day.server_cpu_s,
        "cpu_per_wake_ms": day.cpu_s * 1000 / max(1, day.wakes),
        "cpu_empty_wake_ms": _med(empty_cpu),
        "cpu_per_step_ms": day.cpu_s * 1000 / max(1, len(day.fired)),
        "cpu_marginal_step_ms": marginal,
        "empty_sweep_ms": (_med(empty), _pct(empty, 0.99)),
        "busy_sweep_ms": (_med(busy), _pct(busy, 0.99)),
        "next_due_ms": (_med(day.next_due_ms), _pct(day.next_due_ms, 0.99)),
        "empty_first_hour_ms": _med(empty_first),
        "empty_last_hour_ms": _med(empty_last),
        "steps_per_busy_sweep": len(day.fired) / max(1, len(busy)),
        "wall_s": day.wall_s,
        "start_floor": start_floor,
        "end_floor": end_floor,
    }


# ---- the table -------------------------------------------------------------------------------
def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def table(db_name: str, results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    def row(label: str, render: Callable[[dict[str, Any]], str]) -> str:
        return "| " + label + " | " + " | ".join(render(r) for r in results) + " |"

    clock = "frozen during a sweep" if args.frozen_clock else "runs during a sweep (measured wall time)"
    rearm = "before 29d4a6a (overdue: next tick)" if args.old_rearm else "as bot/app.py (overdue: at once)"
    lines = [
        f"### {db_name}: {results[0]['handoffs']} handoffs, seed {args.seed}, interval {args.interval:g} s, "
        f"clock {clock}, re-arm {rearm}",
        "",
        "| | "
        + " | ".join(f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}" for r in results)
        + " |",
        "|---|" + "---:|" * len(results),
        row("load (insert_handoff), s", lambda r: _f(r["load_s"], 1)),
        row("server autovacuum (ANALYZE run once after the load)", lambda r: str(r["autovacuum"])),
        row("rows: reminders / deadlines", lambda r: f"{r['rows']['reminders']} / {r['rows']['deadlines']}"),
        row(
            "cancelled reminders / answered / superseded deadlines",
            lambda r: (
                f"{r['rows']['reminders_cancelled']} / {r['rows']['deadlines_answered']} / "
                f"{r['rows']['deadlines_superseded']}"
            ),
        ),
        row(
            "reminders fired / expected (plan) / expected (rows)",
            lambda r: f"{r['fired_reminders']} / {r['expected_reminders']} / {r['rows']['reminders_due_db']}",
        ),
        row(
            "breaches fired / expected (plan) / expected (rows)",
            lambda r: f"{r['fired_breaches']} / {r['expected_breaches']} / {r['rows']['deadlines_due_db']}",
        ),
        row("missed (plan) / unexpected (plan)", lambda r: f"{r['missed']} / {r['unexpected']}"),
        row(
            "missed (rows: due, never fired)",
            lambda r: f"{r['rows']['reminders_missed_db'] + r['rows']['deadlines_missed_db']}",
        ),
        row("reminders cancelled while overdue", lambda r: str(r["rows"]["reminders_cancelled_overdue"])),
        row("**duplicates** (same step fired twice)", lambda r: f"**{r['dup_memory']}**"),
        row(
            "rows − firings (sent, breached, events ×2, notices)",
            lambda r: " / ".join(str(v) for v in r["dup_rows"].values()),
        ),
        row("**late firings (> 1 s after due)**", lambda r: f"**{r['late']}**"),
        row(
            "… of which after a sweep that ended with the next step already due",
            lambda r: str(r["late_in_window"]),
        ),
        row(
            "… of which an appointment set less than one interval before due",
            lambda r: str(r["late_created_close"]),
        ),
        row(
            "lateness median / p99 / max, s",
            lambda r: f"{_f(r['late_median_s'], 3)} / {_f(r['late_p99_s'], 3)} / {_f(r['late_max_s'], 3)}",
        ),
        row("sweeps that ended with the next step already due", lambda r: str(r["unarmed_overdue"])),
        row(
            "wakes / worker sweeps / wakes that fired",
            lambda r: f"{r['wakes']} / {r['worker_sweeps']} / {r['busy_wakes']}",
        ),
        row("**scheduler CPU (client), s**", lambda r: f"**{_f(r['cpu_s'])}**"),
        row("PostgreSQL backends' CPU, s", lambda r: _f(r["server_cpu_s"])),
        row(
            "CPU per wake / empty wake (median), ms",
            lambda r: f"{_f(r['cpu_per_wake_ms'], 3)} / {_f(r['cpu_empty_wake_ms'], 3)}",
        ),
        row(
            "CPU per fired step: all / marginal over empty wake, ms",
            lambda r: f"{_f(r['cpu_per_step_ms'], 3)} / {_f(r['cpu_marginal_step_ms'], 3)}",
        ),
        row(
            "empty sweep median / p99, ms",
            lambda r: f"{_f(r['empty_sweep_ms'][0], 3)} / {_f(r['empty_sweep_ms'][1], 3)}",
        ),
        row(
            "sweep that fired median / p99, ms (steps per such sweep)",
            lambda r: (
                f"{_f(r['busy_sweep_ms'][0], 3)} / {_f(r['busy_sweep_ms'][1], 3)} "
                f"({_f(r['steps_per_busy_sweep'], 2)})"
            ),
        ),
        row(
            "next_due median / p99, ms",
            lambda r: f"{_f(r['next_due_ms'][0], 3)} / {_f(r['next_due_ms'][1], 3)}",
        ),
        row(
            "empty sweep median, first hour → last hour, ms",
            lambda r: f"{_f(r['empty_first_hour_ms'], 3)} → {_f(r['empty_last_hour_ms'], 3)}",
        ),
        row("simulated day, wall s", lambda r: _f(r["wall_s"], 1)),
        row(
            "baseline: bare write txn (SELECT 1), ms",
            lambda r: _f(r["start_floor"]["bare_ms"], 3),
        ),
        row(
            "baseline: empty sweep + next_due on the fresh db, ms (CPU ms)",
            lambda r: (
                f"{_f(r['start_floor']['sweep_ms'], 3)} + {_f(r['start_floor']['next_due_ms'], 3)} "
                f"({_f(r['start_floor']['cpu_ms'], 3)})"
            ),
        ),
        row(
            "after the day: empty sweep + next_due, ms (CPU ms)",
            lambda r: (
                f"{_f(r['end_floor']['sweep_ms'], 3)} + {_f(r['end_floor']['next_due_ms'], 3)} "
                f"({_f(r['end_floor']['cpu_ms'], 3)})"
            ),
        ),
        row(
            "due steps left after the day (fired by the floor sweeps)", lambda r: str(r["end_floor"]["fired"])
        ),
        row(
            "ratio: empty sweep in the day / floor",
            lambda r: _f(r["empty_sweep_ms"][0] / r["start_floor"]["sweep_ms"]),
        ),
        row(
            "ratio: sweep that fired / floor",
            lambda r: _f(r["busy_sweep_ms"][0] / r["start_floor"]["sweep_ms"]),
        ),
        row(
            "ratio: floor after the day / fresh floor (sweep, next_due)",
            lambda r: (
                f"{_f(r['end_floor']['sweep_ms'] / r['start_floor']['sweep_ms'])}, "
                f"{_f(r['end_floor']['next_due_ms'] / r['start_floor']['next_due_ms'])}"
            ),
        ),
        row(
            "ratio: empty sweep / bare write txn",
            lambda r: _f(r["start_floor"]["sweep_ms"] / r["start_floor"]["bare_ms"]),
        ),
    ]
    return "\n".join(lines)


def _quiet_logs() -> None:
    """Production's structlog pipeline at INFO (its CPU counts), written to /dev/null."""
    import structlog

    from bot.log import configure_logging

    configure_logging("json", "INFO")
    sink = open(os.devnull, "w")  # kept open for the process
    structlog.configure(logger_factory=lambda *_a: structlog.PrintLogger(sink))


async def run(args: argparse.Namespace) -> None:
    from bot.center.center import load_center

    _quiet_logs()
    center = load_center(REPO_ROOT / "data")
    service, codes = center.service, sorted(center.specialties.names)
    plan = make_plan(args.handoffs, args.seed, service.points, codes)
    targets = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for target in targets:
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/deadlines.db" if target == "sqlite" else args.pg_url
            for count in args.workers:
                if target == "sqlite" and count > 1:
                    # A fresh file: the second worker is a second engine on the same file.
                    url = f"sqlite+aiosqlite:///{tmp}/deadlines-{count}.db"
                print(f"[{target}] {count} worker(s): loading and simulating …", file=sys.stderr, flush=True)
                results.append(await variant(url, count, plan, args))
        print(table("SQLite" if target == "sqlite" else "PostgreSQL", results, args))
        print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--handoffs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--interval", type=float, default=5.0, help="deadline_sweep_seconds (default 5)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="variants to run (default: 1 and 2 workers)"
    )
    parser.add_argument("--pg-url", default=POSTGRES_URL, help="its schema public is dropped and recreated")
    parser.add_argument("--frozen-clock", action="store_true", help="the clock stands still during a sweep")
    parser.add_argument(
        "--old-rearm",
        action="store_true",
        help="bot/app.py before 29d4a6a: a step that fell due during the sweep waits for the next tick",
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
