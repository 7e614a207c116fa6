"""Half-written rows: what a benchmark checks in the service's database once the load has stopped.

Each check is a read-only count that is zero when every write was whole. A turn is committed
in pieces that belong together (citizen and message; the answer, its deliveries and the
`answered_at` mark; a handoff, its deadline, its history and the consultation's waiting state),
so a count above zero means a transaction was cut in half, or a piece was never written.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text

from benchmarks.postgres import bench_protection

LIVE = "h.status != 'closed'"
INVARIANTS: dict[str, str] = {
    # Foreign keys forbid these; counted anyway, so a dialect without them would show it.
    "message without its consultation": (
        "SELECT COUNT(*) FROM message m LEFT JOIN consultation c ON c.id = m.consultation_id WHERE c.id IS NULL"
    ),
    "consultation without its citizen": (
        "SELECT COUNT(*) FROM consultation c LEFT JOIN citizen z ON z.id = c.citizen_id WHERE z.id IS NULL"
    ),
    "message filed under another citizen's consultation": (
        "SELECT COUNT(*) FROM message m JOIN consultation c ON c.id = m.consultation_id"
        " WHERE m.citizen_id != c.citizen_id"
    ),
    # The citizen row is written by the same transaction as their first message.
    "citizen without a message": (
        "SELECT COUNT(*) FROM citizen z WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.citizen_id = z.id)"
    ),
    # Recorded, then neither answered (answered_at) nor waiting in the queue for a consultant.
    "inbound message never answered and not queued": (
        "SELECT COUNT(*) FROM message m WHERE m.direction = 'in' AND m.answered_at IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM handoff h WHERE h.citizen_id = m.citizen_id AND {LIVE})"
    ),
    "inbound message never answered": (
        "SELECT COUNT(*) FROM message WHERE direction = 'in' AND answered_at IS NULL"
    ),
    # Every outbound turn is sent through a delivery row written with it.
    "outbound message without a delivery": (
        "SELECT COUNT(*) FROM message m WHERE m.direction = 'out'"
        " AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.message_id = m.id)"
    ),
    "delivery to someone else than its message's citizen": (
        "SELECT COUNT(*) FROM delivery d JOIN message m ON m.id = d.message_id WHERE d.citizen_id != m.citizen_id"
    ),
    # After the settling time nothing should still be on its way (the fake API accepts everything).
    "delivery still pending or sending": (
        "SELECT COUNT(*) FROM delivery WHERE status IN ('pending', 'sending')"
    ),
    "live handoff whose consultation is not waiting for a human": (
        f"SELECT COUNT(*) FROM handoff h JOIN consultation c ON c.id = h.consultation_id WHERE {LIVE}"
        " AND c.status != 'waiting_human'"
    ),
    "handoff without a reply deadline": (
        "SELECT COUNT(*) FROM handoff h"
        " WHERE NOT EXISTS (SELECT 1 FROM reply_deadline r WHERE r.handoff_id = h.id)"
    ),
    "handoff without its 'opened' event": (
        "SELECT COUNT(*) FROM handoff h WHERE NOT EXISTS"
        " (SELECT 1 FROM handoff_event e WHERE e.handoff_id = h.id AND e.kind = 'opened')"
    ),
    "citizen with two live handoffs": (
        f"SELECT COUNT(*) FROM (SELECT h.citizen_id FROM handoff h WHERE {LIVE}"
        " GROUP BY h.citizen_id HAVING COUNT(*) > 1) twice"
    ),
}
# What "settled" waits for: the service's own sweeps answer and send what was still in flight.
IN_FLIGHT = ("inbound message never answered and not queued", "delivery still pending or sending")
TOTALS = {
    "citizens": "SELECT COUNT(*) FROM citizen",
    "consultations": "SELECT COUNT(*) FROM consultation",
    "inbound messages": "SELECT COUNT(*) FROM message WHERE direction = 'in'",
    "outbound messages": "SELECT COUNT(*) FROM message WHERE direction = 'out'",
    "handoffs": "SELECT COUNT(*) FROM handoff",
}


async def read_counts(db_url: str, queries: dict[str, str]) -> dict[str, int]:
    from bot.store.db import open_database

    db = open_database(db_url, bench_protection())
    try:
        return await db.read(
            lambda conn: {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in queries.items()}
        )
    finally:
        await db.close()


async def settle_and_check(db_url: str, settle_seconds: float) -> dict[str, Any]:
    """Wait (up to `settle_seconds`) for in-flight turns and deliveries, then count every invariant."""
    started = time.perf_counter()
    while True:
        waiting = await read_counts(db_url, {name: INVARIANTS[name] for name in IN_FLIGHT})
        if not any(waiting.values()) or time.perf_counter() - started > settle_seconds:
            break
        await asyncio.sleep(1.0)
    violations = await read_counts(db_url, INVARIANTS)
    return {
        "settled_s": round(time.perf_counter() - started, 1),
        "totals": await read_counts(db_url, TOTALS),
        "violations": {name: n for name, n in violations.items() if n},
        "checked": len(INVARIANTS),
    }
