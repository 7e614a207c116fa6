"""Where each citizen's conversation stands (the conversation_state row), read and written inside
a caller's transaction: every turn's answer, and the close of a consultation that starts the
rating flow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.consultations.turns import ConversationState
from bot.store.tables import state_t

# Every turn stores its state: the upsert is built once per dialect and run with parameters.
_UPSERTS: dict[str, Any] = {}


def _upsert(conn: Connection) -> Any:
    name = conn.dialect.name
    if name not in _UPSERTS:
        state = (sqlite_insert if name == "sqlite" else pg_insert)(state_t)
        _UPSERTS[name] = state.on_conflict_do_update(
            index_elements=[state_t.c.citizen_id],
            set_={
                "flow": state.excluded.flow,
                "step": state.excluded.step,
                "slots": state.excluded.slots,
                "updated_at": state.excluded.updated_at,
                "version": state_t.c.version + 1,
            },
        )
    return _UPSERTS[name]


def state_of(conn: Connection, citizen_id: int) -> ConversationState:
    row = conn.execute(select(state_t).where(state_t.c.citizen_id == citizen_id)).first()
    if row is None:
        return ConversationState()
    return ConversationState(flow=row.flow, step=row.step, slots=dict(row.slots or {}))


def put_state(conn: Connection, citizen_id: int, state: ConversationState, now: datetime) -> None:
    conn.execute(
        _upsert(conn),
        {
            "citizen_id": citizen_id,
            "flow": state.flow,
            "step": state.step,
            "slots": dict(state.slots),
            "version": 1,
            "updated_at": now,
        },
    )
