"""Every worker runs the deadline sweep: each reminder and each breach still fires exactly once,
with exactly one console notice per recipient, however many workers sweep at once or restart.

Two (then three) running services share one database and one MovableClock, as workers of one
deployment share PostgreSQL (FOR UPDATE SKIP LOCKED) or one SQLite file (its writer lock).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import HANDOFFS as HANDOFF_QUEUE
from bot.clock import MovableClock
from scheduler.deadline_sweep import next_due, sweep_deadlines
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory

BEIJING = ZoneInfo("Asia/Shanghai")
HANDOFFS = 60
CLAIMED = 20


def beijing(hour: int, minute: int = 0) -> datetime:
    """Wednesday 25 November 2026 on the center's wall clock (the day WORKDAY_MORNING is)."""
    return datetime(2026, 11, 25, hour, minute, tzinfo=BEIJING).astimezone(UTC)


async def open_handoffs(svc: RunningService, count: int) -> list[str]:
    """`count` citizens write 转人工 over the WeChat path, ten at a time; returns their openids."""
    citizens = [svc.citizen() for _ in range(count)]
    for start in range(0, count, 10):
        told = await asyncio.gather(*(c.say("转人工") for c in citizens[start : start + 10]))
        assert all(t.status == 200 and t.reply_text and "在线咨询" in t.reply_text for t in told)
    return [c.openid for c in citizens]


async def staff(svc: RunningService) -> dict[str, int]:
    """Two general consultants (both on duty) and a supervisor who serves no queue himself."""
    return {
        "zhang": await svc.add_account("zhang"),
        "wang": await svc.add_account("wang"),
        "boss": await svc.add_account("boss", role="supervisor", specialties=[]),
    }


async def claim_some(svc: RunningService, username: str, count: int) -> set[int]:
    console = await svc.console(username)
    items = await console.queue(status="open")
    chosen = {i["id"] for i in items[:count]}
    for handoff_id in chosen:
        status, body = await console.post(f"/api/handoffs/{handoff_id}/claim")
        assert status == 200, body
    return chosen


def _due_at(detail: object) -> str:
    found = json.loads(detail) if isinstance(detail, str) else detail
    assert isinstance(found, dict)
    return str(found["due_at"])


async def assert_each_step_fired_once(svc: RunningService, ids: dict[str, int], claimed: set[int]) -> None:
    reminders = await svc.rows("SELECT id, handoff_id, sent_at, cancelled_at FROM reminder")
    assert len(reminders) == 2 * HANDOFFS
    assert all(r.sent_at is not None and r.cancelled_at is None for r in reminders)
    reminded = await svc.rows("SELECT handoff_id FROM handoff_event WHERE kind = 'reminded'")
    assert sorted(r.handoff_id for r in reminded) == sorted(r.handoff_id for r in reminders)
    breached = await svc.rows("SELECT handoff_id FROM handoff_event WHERE kind = 'breached'")
    assert sorted(r.handoff_id for r in breached) == list(range(1, HANDOFFS + 1))
    assert await svc.scalar("SELECT COUNT(*) FROM handoff WHERE breached_at IS NULL") == 0

    # Claimed: reminders to the assignee, breaches to the assignee and the supervisor.
    # Unclaimed: reminders to both on-duty consultants, breaches to them and the supervisor.
    unclaimed = HANDOFFS - len(claimed)
    expected = {
        ("reminder", ids["zhang"]): 2 * HANDOFFS,
        ("reminder", ids["wang"]): 2 * unclaimed,
        ("breached", ids["zhang"]): HANDOFFS,
        ("breached", ids["wang"]): unclaimed,
        ("breached", ids["boss"]): HANDOFFS,
    }
    found = await svc.rows(
        "SELECT kind, consultant_id, COUNT(*) AS n FROM console_notice GROUP BY kind, consultant_id"
    )
    assert {(r.kind, r.consultant_id): r.n for r in found} == expected
    assert await svc.count("console_notice") == sum(expected.values())
    per_item = await svc.rows(
        "SELECT consultant_id, handoff_id, kind, COUNT(*) AS n FROM console_notice"
        " GROUP BY consultant_id, handoff_id, kind"
    )
    # Each recipient has one notice per reminder point (two) and one per breach, never more.
    assert {(r.kind, r.n) for r in per_item} == {("reminder", 2), ("breached", 1)}
    points = await svc.rows("SELECT handoff_id, detail FROM handoff_event WHERE kind = 'reminded'")
    assert (
        len({(p.handoff_id, _due_at(svc.unseal(p.detail, "handoff_event.detail"))) for p in points})
        == 2 * HANDOFFS
    )
    wang_claimed = await svc.scalar(
        "SELECT COUNT(*) FROM console_notice n JOIN handoff h ON h.id = n.handoff_id"
        " WHERE n.consultant_id = :wang AND h.assignee_id IS NOT NULL",
        wang=ids["wang"],
    )
    assert wang_claimed == 0  # a claimed item's reminders are its assignee's alone


async def test_two_workers_sweeping_together_fire_each_step_once(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)  # Wednesday 10:00: online, due 15:00
    first = await start_service(clock=clock)
    second = await start_service(clock=clock)
    ids = await staff(first)
    await open_handoffs(first, HANDOFFS // 2)
    await open_handoffs(second, HANDOFFS // 2)
    claimed = await claim_some(second, "zhang", CLAIMED)
    assert await first.scalar("SELECT COUNT(*) FROM reminder WHERE cancelled_at IS NULL") == 2 * HANDOFFS

    fired = 0
    for moment in (beijing(14, 0), beijing(14, 45), beijing(15, 0)):
        clock.set(moment)
        for _round in range(3):
            fired += sum(await asyncio.gather(first.sweep(), second.sweep(), first.sweep(), second.sweep()))
    assert fired == 3 * HANDOFFS  # two reminders and one breach each

    clock.set(beijing(15, 30))
    restarted = await start_service(clock=clock)  # a worker restarts after everything fired
    assert sum(await asyncio.gather(restarted.sweep(), first.sweep(), second.sweep())) == 0
    await assert_each_step_fired_once(restarted, ids, claimed)


async def test_workers_catching_up_in_small_batches_after_an_outage_fire_each_step_once(
    start_service: ServiceFactory,
):
    """Everything falls due at once (the whole deployment was down past the deadlines); four sweeps
    on two workers work through it in batches of 7, racing for the same rows."""
    clock = MovableClock(WORKDAY_MORNING)
    first = await start_service(clock=clock)
    second = await start_service(clock=clock)
    ids = await staff(first)
    await open_handoffs(first, HANDOFFS)
    claimed = await claim_some(first, "zhang", CLAIMED)

    clock.set(beijing(16, 0))
    workers = [w for w in (first, second) for _ in range(2)]
    sweeps = await asyncio.gather(
        *(
            sweep_deadlines(
                w.database,
                clock.now(),
                w.app[HANDOFF_QUEUE].service,
                batch=7,
            )
            for w in workers
        )
    )
    fired = [step for sweep in sweeps for step in sweep]
    assert len(fired) == 3 * HANDOFFS
    assert len({(s.step, s.handoff_id, s.due_at) for s in fired}) == len(fired)

    restarted = await start_service(clock=clock)
    assert await restarted.sweep() == 0
    await assert_each_step_fired_once(restarted, ids, claimed)


async def test_the_alarm_knows_when_the_next_step_falls_due(start_service: ServiceFactory):
    """next_due is what the alarm wakes for: the earliest pending reminder, then the deadline."""
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    await staff(svc)
    db = svc.database
    assert await next_due(db) is None
    await open_handoffs(svc, 1)  # online at 10:00 Beijing: due 15:00, reminders 14:00 and 14:45
    assert await next_due(db) == beijing(14)
    clock.set(beijing(14, 50))
    await svc.sweep()
    assert await next_due(db) == beijing(15)
    clock.set(beijing(15))
    await svc.sweep()
    assert await next_due(db) is None
