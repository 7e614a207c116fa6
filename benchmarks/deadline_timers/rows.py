"""The plan written as rows through the production store, and the day's answers and appointments.

The handoffs are inserted with `insert_handoff`, answered with `add_consultant_message` and given an
appointment with `set_appointment`, so the timers the alarm sweeps are the rows production writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from benchmarks.deadline_timers.plan import Action, Plan


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

    anyone_live = records.Guard(frozenset({"open", "claimed"}))  # the plan already decided who acts

    if action.what == "answer":
        await db.write(
            lambda conn: records.add_consultant_message(
                conn, handoff_id, actor, "您好，已收到。", action.at, guard=anyone_live
            )
        )
    else:
        assert action.appointment_at is not None
        await db.write(
            lambda conn: records.set_appointment(
                conn,
                handoff_id,
                action.appointment_at,
                action.reminders,
                actor,
                action.at,
                guard=anyone_live,
            )
        )
