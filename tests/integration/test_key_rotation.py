"""Key rotation and the sealing migration, on both databases.

Rotation: data sealed under key A, the ring becomes "B,A", `rotate_keys` re-seals, and then a
ring holding only B reads everything. The migration: rows stored in the clear by the schema of
0006 are sealed by 0007, event keys stop naming the openid, and their words become searchable.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from bot.cli import main
from bot.clock import MovableClock
from bot.privacy.field_cipher import UnreadableField, is_sealed, new_field_key
from bot.settings import Settings
from bot.store.db import open_database, upgrade_schema
from bot.store.field_keys import protection_for
from bot.store.key_rotation import rotate_keys, sealed_columns
from bot.store.tables import citizen_t, handoff_t, message_t, state_t
from bot.store.word_index import messages_with_words
from tests.conftest import TEST_ALIAS_KEY, TEST_FIELD_KEY, WORKDAY_MORNING, ServiceFactory

NEW_KEY = new_field_key()


def ring(keys: str) -> Any:
    return protection_for(Settings(field_key=keys, alias_key=TEST_ALIAS_KEY))


async def _stored(database_url: str, keys: str) -> dict[str, list[str]]:
    """Every sealed column's raw values, as the database holds them."""
    db = open_database(database_url, ring(keys))

    def raw(conn: Connection) -> dict[str, list[str]]:
        found = {}
        for sealed in sealed_columns():
            sql = f"SELECT {sealed.column} FROM {sealed.table} WHERE {sealed.column} IS NOT NULL"
            found[sealed.name] = [str(v) for v in conn.execute(text(sql)).scalars()]
        return found

    try:
        return await db.read(raw)
    finally:
        await db.close()


async def _make_a_handoff(start_service: ServiceFactory) -> str:
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资，电话13812345678")
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    assert (await console.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    assert (await console.post(f"/api/handoffs/{item['id']}/notes", {"text": "已核实"}))[0] == 200
    return citizen.openid


async def test_rotation_reseals_everything_so_the_old_key_can_be_removed(
    start_service: ServiceFactory, database_url: str
):
    openid = await _make_a_handoff(start_service)
    old_id = ring(TEST_FIELD_KEY).cipher.current_key_id
    before = await _stored(database_url, TEST_FIELD_KEY)
    assert all(v.startswith(f"enc1:{old_id}:") for values in before.values() for v in values)
    total = sum(len(v) for v in before.values())
    assert total > 10

    both = open_database(database_url, ring(f"{NEW_KEY},{TEST_FIELD_KEY}"))
    seen: list[int] = []
    try:
        counts = await rotate_keys(both, batch=3, progress=seen.append)  # small batches: many rounds
        again = await rotate_keys(both, batch=3)
    finally:
        await both.close()
    assert sum(c.resealed for c in counts.values()) == total
    assert sum(seen) == total
    assert sum(c.resealed for c in again.values()) == 0  # nothing left for a second run

    new_id = ring(NEW_KEY).cipher.current_key_id
    after = await _stored(database_url, NEW_KEY)
    assert all(v.startswith(f"enc1:{new_id}:") for values in after.values() for v in values)
    only_new = open_database(database_url, ring(NEW_KEY))
    try:
        rows = await only_new.read(
            lambda conn: (
                conn.execute(select(citizen_t.c.openid)).scalars().all(),
                conn.execute(select(message_t.c.text).where(message_t.c.author == "citizen")).scalars().all(),
                conn.execute(select(handoff_t.c.packet)).scalars().all(),
                conn.execute(select(state_t.c.slots)).scalars().all(),
            )
        )
    finally:
        await only_new.close()
    openids, texts, packets, _slots = rows
    assert openids == [openid]
    assert "老板拖欠我三个月工资，电话13812345678" in texts
    assert any("13812345678" in line["text"] for line in packets[0]["last_messages"])


async def test_keys_rotate_command_reports_what_it_resealed(
    start_service: ServiceFactory, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys
):
    await _make_a_handoff(start_service)
    monkeypatch.setenv("LEGALAID_DATABASE_URL", database_url)
    monkeypatch.setenv("LEGALAID_FIELD_KEY", f"{NEW_KEY},{TEST_FIELD_KEY}")
    monkeypatch.setenv("LEGALAID_ALIAS_KEY", TEST_ALIAS_KEY)
    assert await asyncio.to_thread(main, ["keys", "rotate", "--batch", "4"]) == 0
    out = capsys.readouterr()
    new_id = ring(NEW_KEY).cipher.current_key_id
    report = out.out.strip().splitlines()[-1]
    assert report.endswith(f"with key {new_id}")
    resealed, checked = (int(n) for n in report.split(" values")[0].split(" of "))
    assert resealed == checked > 0
    assert "re-sealing" in out.err  # the progress bar
    monkeypatch.setenv("LEGALAID_FIELD_KEY", NEW_KEY)
    assert await asyncio.to_thread(main, ["keys", "rotate"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(f"0 of {checked} values")


async def test_the_migration_seals_what_0006_stored_in_the_clear(database_url: str):
    protection = ring(TEST_FIELD_KEY)
    db = open_database(database_url, protection)
    try:
        if database_url.startswith("postgresql"):
            await db.write(
                lambda conn: [
                    conn.execute(text("DROP SCHEMA public CASCADE")),
                    conn.execute(text("CREATE SCHEMA public")),
                ]
            )
        await upgrade_schema(db, "0006")
        await db.write(_legacy_rows)
        await upgrade_schema(db)

        def raw(conn: Connection) -> dict[str, Any]:
            return {
                "openid": conn.execute(text("SELECT openid FROM citizen")).scalar_one(),
                "texts": conn.execute(text("SELECT text FROM message ORDER BY id")).scalars().all(),
                "keys": conn.execute(text("SELECT msg_key FROM message ORDER BY id")).scalars().all(),
                "packet": conn.execute(text("SELECT packet FROM handoff")).scalar_one(),
                "slots": conn.execute(text("SELECT slots FROM conversation_state")).scalar_one(),
                "found": conn.execute(messages_with_words(conn, "工资")).scalars().all(),  # type: ignore[arg-type]
                "typed": conn.execute(select(message_t.c.text).order_by(message_t.c.id)).scalars().all(),
                "packet_typed": conn.execute(select(handoff_t.c.packet)).scalar_one(),
            }

        stored = await db.read(raw)
    finally:
        await db.close()
    assert stored["texts"][1] is None  # the event had no text
    for value in (stored["openid"], stored["texts"][0], stored["packet"], stored["slots"]):
        assert is_sealed(str(value))
    assert stored["typed"] == ["老板欠我工资，电话13812345678", None]
    assert stored["packet_typed"] == {"intent": "consult_labor", "phone": "13812345678"}
    alias = protection.index.citizen_alias("o_legacy_citizen_000000001")
    assert stored["keys"] == ["msg|1001", f"ev|{alias}|1764000000|subscribe|"]
    assert stored["found"] == [1]


def _legacy_rows(conn: Connection) -> None:
    """What a 0006 database held: plain openid, text, JSON; an event key naming the openid."""
    at = WORKDAY_MORNING
    openid = "o_legacy_citizen_000000001"
    alias = ring(TEST_FIELD_KEY).index.citizen_alias(openid)
    statements = [
        (
            "INSERT INTO citizen (id, openid, alias, subscribed, first_seen_at, last_inbound_at) "
            "VALUES (1, :openid, :alias, true, :at, :at)",
            {"openid": openid, "alias": alias, "at": at},
        ),
        (
            "INSERT INTO consultation (id, citizen_id, status, channel, started_at, screening) "
            "VALUES (1, 1, 'open', 'wechat', :at, :screening)",
            {"at": at, "screening": json.dumps({"case": {"income": 3000}})},
        ),
        (
            "INSERT INTO message (id, consultation_id, citizen_id, direction, author, kind, text, msg_key, "
            "recorded_at) VALUES (1, 1, 1, 'in', 'citizen', 'text', :text, 'msg|1001', :at)",
            {"text": "老板欠我工资，电话13812345678", "at": at},
        ),
        (
            "INSERT INTO message (id, consultation_id, citizen_id, direction, author, kind, event, msg_key, "
            "recorded_at) VALUES (2, 1, 1, 'in', 'citizen', 'event', 'subscribe', :key, :at)",
            {"key": f"ev|{openid}|1764000000|subscribe|", "at": at},
        ),
        (
            "INSERT INTO conversation_state (citizen_id, flow, step, slots, version, updated_at) "
            "VALUES (1, 'eligibility', 'income', :slots, 1, :at)",
            {"slots": json.dumps({"phone": "13812345678"}), "at": at},
        ),
        (
            "INSERT INTO handoff (id, consultation_id, citizen_id, status, reason, kind, specialty, summary, "
            "packet, due_at, opened_at, last_activity_at) VALUES (1, 1, 1, 'open', 'request_human', "
            "'online', 'labor', :summary, :packet, :at, :at, :at)",
            {
                "summary": "老板欠我工资",
                "packet": json.dumps({"intent": "consult_labor", "phone": "13812345678"}),
                "at": at,
            },
        ),
    ]
    for sql, params in statements:
        conn.execute(text(sql), params)


async def test_a_service_given_the_wrong_key_refuses_to_start_instead_of_failing_every_turn(
    start_service: ServiceFactory,
):
    await _make_a_handoff(start_service)
    with pytest.raises(UnreadableField, match="not configured"):
        await start_service(field_key=new_field_key())
    again = await start_service(field_key=f"{new_field_key()},{TEST_FIELD_KEY}")  # the old key kept: fine
    assert (await again.citizen().say("你好")).status == 200
