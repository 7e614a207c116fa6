"""The Markdown table printed per database: one column per variant (1 worker, 2 workers).

Row labels say what was counted and against what, so the table can be pasted into a report as is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


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
