"""The plan of the simulated day: which handoffs exist, when each is due, and what happens to it.

Drawn once from the seed, before any database exists, so every variant and both databases replay
the same day; the plan also says which steps must fire (`expected`), which is what the firings and
the rows are later audited against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.workdays.service_hours import ReplyKind

KINDS: tuple[ReplyKind, ...] = ("online", "message")

START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 00:00 Beijing time
DAY = timedelta(hours=24)


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
        kind = rng.choice(KINDS)
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
