"""One variant: a fresh database, loaded with the plan, a day swept by N workers, then audited.

Each variant gets its own database so that one and two workers start from the same rows; the
baselines are taken on that database just before and just after its day.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks.deadline_timers.alarm import open_worker, simulate
from benchmarks.deadline_timers.audit import audit
from benchmarks.deadline_timers.baselines import floor
from benchmarks.deadline_timers.plan import Plan
from benchmarks.deadline_timers.rows import load
from benchmarks.deadline_timers.summary import summarise
from benchmarks.postgres import reset_postgres

REPO_ROOT = Path(__file__).resolve().parents[2]


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
