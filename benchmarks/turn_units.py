"""CPU of one turn's units of work on SQLite, called directly (no threads, no HTTP, no NLU).

    PYTHONPATH=. python -m benchmarks.turn_units [--turns 400]

Each turn: record the inbound message (new citizen, new consultation, the word index), answer it
(one reply, the state, the record's update), and read the state back as the next turn would (the
state row and the live handoff). Median milliseconds of each over `--turns`, after 50 turns of
warm-up. It imports only what older commits also have, so the same file measures a base commit
(copy it into that tree) for a before/after in one session.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from benchmarks.postgres import bench_protection


async def measure(turns: int) -> dict[str, float]:
    from bot.consultations.turns import ConversationState, Inbound, Outbound
    from bot.store import transcript
    from bot.store.db import open_database, upgrade_schema
    from bot.store.handoffs import live_handoff
    from bot.store.tables import state_t

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite+aiosqlite:///{tmp}/turns.db", bench_protection())
        await upgrade_schema(db)
        assert db.sync_engine is not None
        conn = db.sync_engine.connect()
        now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # a Monday morning; no clock is consulted
        state_of = select(state_t).where(state_t.c.citizen_id == bindparam("c"))

        def one(i: int) -> tuple[float, float, float]:
            inbound = Inbound(
                citizen_openid=f"o_turn_units_{i:07d}", msg_key=f"turn-{i}", kind="text", received_at=now,
                sent_at=now, text="老板拖欠我三个月工资一直不给怎么办", media_id=None, event=None,
                event_key=None, wechat_msg_id=i, extra={},
            )  # fmt: skip
            started = time.perf_counter()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            recorded = transcript._record_inbound(conn, inbound, f"c_{i:016d}")
            conn.exec_driver_sql("COMMIT")
            recorded_at = time.perf_counter()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            transcript._save_response(
                conn, recorded, [Outbound("拖欠工资可以先向劳动保障监察部门投诉。")],
                ConversationState(flow="labor", step="next", slots={"months": 3}), now, True,
                transcript.TurnOutcome(intent="consult_labor", confidence=0.9, topic="consult_labor"),
            )  # fmt: skip
            conn.exec_driver_sql("COMMIT")
            answered_at = time.perf_counter()
            conn.exec_driver_sql("BEGIN")
            conn.execute(state_of, {"c": recorded.citizen_id}).first()
            live_handoff(conn, recorded.citizen_id)
            conn.exec_driver_sql("ROLLBACK")
            return recorded_at - started, answered_at - recorded_at, time.perf_counter() - answered_at

        for i in range(50):
            one(i)
        times = [one(i) for i in range(50, 50 + turns)]
        conn.close()
        await db.close()
    names = ("record_inbound_ms", "save_response_ms", "state_read_ms")
    return {name: round(statistics.median(t[k] for t in times) * 1000, 3) for k, name in enumerate(names)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=400)
    print(asyncio.run(measure(parser.parse_args().turns)))


if __name__ == "__main__":
    main()
