"""The decision deadline (7 working days from complete materials): staff are warned once the working
day before, and the breach is marked once when it passes, however many workers sweep at once.

The clock is moved by hand and the sweep called, as the alarm would call it in every worker.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.applications.deadlines import sweep_decision_deadlines
from bot.clock import MovableClock
from tests.application_seed import seed_application
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory

BEIJING = ZoneInfo("Asia/Shanghai")


async def sweep_in_three_workers(svc: RunningService, clock: MovableClock) -> int:
    fired = await asyncio.gather(*(sweep_decision_deadlines(svc.database, clock.now()) for _ in range(3)))
    return sum(len(steps) for steps in fired)


async def events(svc: RunningService, application_id: int, action: str) -> int:
    return int(
        await svc.scalar(
            "SELECT COUNT(*) FROM application_event WHERE application_id = :id AND action = :action",
            id=application_id,
            action=action,
        )
    )


async def deadline_colours(svc: RunningService) -> dict[str, str]:
    console = await svc.console("zhang")
    status, body = await console.get("/api/applications")
    assert status == 200
    return {item["number"]: item["deadline"] for item in body["items"]}


async def test_staff_are_warned_once_and_the_breach_is_marked_once(start_service: ServiceFactory):
    clock = MovableClock(WORKDAY_MORNING)  # Wednesday 25 November 2026, 10:00 in Beijing
    svc = await start_service(clock=clock)
    await svc.add_account("zhang")
    waiting = await seed_application(svc, status="under_review")
    decided = await seed_application(svc, status="under_review")
    await svc.database.write(
        lambda conn: conn.exec_driver_sql(
            f"UPDATE application SET status = 'approved' WHERE id = {decided.id}"
        )
    )

    # 7 working days after Wednesday 25 November: Friday 4 December; warned Thursday 3rd at 09:00.
    due_at = await svc.scalar("SELECT decision_due_at FROM application WHERE id = :id", id=waiting.id)
    due_at = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
    due_at = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
    assert due_at == datetime(2026, 12, 5, 0, 0, tzinfo=BEIJING)
    assert await sweep_in_three_workers(svc, clock) == 0
    assert (await deadline_colours(svc))[waiting.number] == "ok"

    clock.set(datetime(2026, 12, 3, 8, 59, tzinfo=BEIJING).astimezone(UTC))
    assert await sweep_in_three_workers(svc, clock) == 0
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=BEIJING).astimezone(UTC))
    assert await sweep_in_three_workers(svc, clock) == 1
    assert await events(svc, waiting.id, "decision_due_soon") == 1
    assert await svc.scalar("SELECT warned_at FROM application WHERE id = :id", id=waiting.id) is not None
    assert (await deadline_colours(svc))[waiting.number] == "due_soon"

    clock.advance(hours=6)
    assert await sweep_in_three_workers(svc, clock) == 0  # warned once, not at every sweep
    clock.set(due_at - timedelta(seconds=1))
    assert await sweep_in_three_workers(svc, clock) == 0
    clock.set(due_at)
    assert await sweep_in_three_workers(svc, clock) == 1
    assert await events(svc, waiting.id, "decision_breached") == 1
    assert (await deadline_colours(svc))[waiting.number] == "breached"
    clock.advance(days=3)
    assert await sweep_in_three_workers(svc, clock) == 0

    assert await events(svc, waiting.id, "decision_due_soon") == 1
    # A decided application has no clock left to run.
    assert await events(svc, decided.id, "decision_due_soon") == 0
    assert await events(svc, decided.id, "decision_breached") == 0
    assert (await deadline_colours(svc))[decided.number] == "none"


async def test_a_service_that_was_down_warns_then_marks_the_breach_in_one_sweep(
    start_service: ServiceFactory,
):
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(clock=clock)
    seeded = await seed_application(svc, status="under_review")
    clock.advance(days=30)
    fired = await sweep_decision_deadlines(svc.database, clock.now())
    assert [step.step for step in fired] == ["decision_due_soon", "decision_breached"]
    assert {step.number for step in fired} == {seeded.number}
    assert await sweep_decision_deadlines(svc.database, clock.now()) == []
