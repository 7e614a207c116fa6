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
