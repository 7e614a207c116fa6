"""Personal data is sealed at rest: the bytes of the database files and the WAL hold none of it.

A citizen gives their name, phone, ID number and address over signed AES XML, asks for a human;
a consultant claims, answers with a phone number, writes a private note with the ID number and
closes with a note. Then the database's own files (SQLite: the file and its WAL; PostgreSQL:
every relation of the schema and the WAL written meanwhile) are read as bytes and searched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory

NAME = "欧阳翠芬"
PHONE = "13987650123"
ID_NUMBER = "150204198807150027"
ADDRESS = "青山区幸福南路17号"
OPENID = "o_sealed_citizen_9f3k2m8q1z"
CONSULTANT_PHONE = "04716632211"
NOTE = f"核对身份证{ID_NUMBER}"


async def test_a_whole_handoff_leaves_no_plain_personal_data_in_the_database_files(
    start_service: ServiceFactory, database_url: str, capsys
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    wal_from = await _wal_position(svc)
    await svc.add_account("zhang", specialties=["labor", "general"])
    citizen = svc.citizen(OPENID)
    await citizen.send(citizen.event_xml("subscribe"))
    await citizen.say(f"我叫{NAME}，电话{PHONE}，身份证{ID_NUMBER}，住{ADDRESS}，老板欠我三个月工资")
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open", openid=OPENID)  # found by its keyed hash
    base = f"/api/handoffs/{item['id']}"
    assert (await console.post(f"{base}/claim"))[0] == 200
    assert (await console.post(f"{base}/messages", {"text": f"请打{CONSULTANT_PHONE}找我们"}))[0] == 200
    assert (await console.post(f"{base}/notes", {"text": NOTE}))[0] == 200
    status, closed = await console.post(f"{base}/close", {"outcome": "a", "note": f"已回复{NAME}"})
    assert status == 200, closed

    # The service itself reads everything back: the sealed values open.
    status, detail = await console.get(base, reveal="1")
    assert status == 200
    assert any(PHONE in line["text"] for line in detail["transcript"] if line["text"])
    assert [n["text"] for n in detail["notes"]] == [NOTE]

    secrets_ = [NAME, PHONE, ID_NUMBER, ADDRESS, OPENID, CONSULTANT_PHONE, "老板欠我三个月工资"]
    stored = await _database_bytes(svc, database_url, wal_from)
    assert len(stored) > 10_000  # the files were read
    for secret in secrets_:
        assert secret.encode() not in stored, f"{secret} is stored in the clear"
    logs = capsys.readouterr()
    for secret in secrets_:
        assert secret not in logs.out + logs.err


async def _wal_position(svc: RunningService) -> str | None:
    if svc.database.async_engine is None:
        return None
    return str(await svc.scalar("SELECT pg_walfile_name(pg_current_wal_lsn())"))


async def _database_bytes(svc: RunningService, database_url: str, wal_from: str | None) -> bytes:
    if svc.database.async_engine is None:
        path = database_url.split("///", 1)[1]
        chunks = []
        for suffix in ("", "-wal"):
            try:
                with open(path + suffix, "rb") as handle:
                    chunks.append(handle.read())
            except FileNotFoundError:
                continue
        return b"".join(chunks)
    return await svc.database.write(lambda conn: _postgres_bytes(conn, wal_from))


def _postgres_bytes(conn: Any, wal_from: str | None) -> bytes:
    """Every heap, TOAST and index file of the schema, after a checkpoint, plus the new WAL."""
    conn.execute(text("CHECKPOINT"))
    files = conn.execute(
        text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i') "
            "AND pg_relation_filepath(c.oid) IS NOT NULL"
        )
    ).scalars()
    chunks = []
    for path in files:
        found = conn.execute(text("SELECT pg_read_binary_file(:p, 0, 100000000, true)"), {"p": path}).scalar()
        chunks.append(bytes(found or b""))
    wal_files = conn.execute(
        text("SELECT name FROM pg_ls_waldir() WHERE name >= :start AND length(name) = 24 ORDER BY name"),
        {"start": wal_from},
    ).scalars()
    for name in wal_files:
        found = conn.execute(
            text("SELECT pg_read_binary_file(:p, 0, 100000000, true)"), {"p": f"pg_wal/{name}"}
        ).scalar()
        chunks.append(bytes(found or b""))
    return b"".join(chunks)
