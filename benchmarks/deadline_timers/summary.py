"""The figures of one variant: the firings held against the plan and the rows, and the costs.

Missed, unexpected and duplicated steps, lateness (and which late firings the re-arm explains),
CPU per wake and per step, sweep times and the baselines, in one dict per variant for the table.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from benchmarks.deadline_timers.alarm import Day
from benchmarks.deadline_timers.plan import Plan

LATE = timedelta(seconds=1)


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
