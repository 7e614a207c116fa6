"""`legalaid backup` and `legalaid restore` on the embedded SQLite database, as an operator runs
them: a backup taken while citizens write, a restore refused while the service runs, then the
backup's data back after a restart; a file that is not ours is refused and changes nothing; on
PostgreSQL both commands point to pg_dump / pg_restore."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.app import PROTECTION
from tests.command_line import command_env, legalaid_args
from tests.conftest import POSTGRES_URL, TEST_ALIAS_KEY, TEST_FIELD_KEY, RunningService, ServiceFactory

OTHER_FIELD_KEY = "b3RoZXItY2VudGVyLWZpZWxkLWtleS0zMi1ieXRlcyE="


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The embedded deployment only: these commands work on its SQLite file."""
    return f"sqlite+aiosqlite:///{tmp_path}/legalaid.db"


async def legalaid(database_url: str, *args: str, field_key: str = TEST_FIELD_KEY) -> tuple[int, str]:
    env = command_env(database_url=database_url, field_key=field_key, alias_key=TEST_ALIAS_KEY)
    proc = await asyncio.create_subprocess_exec(
        *legalaid_args(*args), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    said = out.decode()
    assert "Traceback" not in said, said
    return int(proc.returncode or 0), said


async def citizens(svc: RunningService, *openids: str) -> list[int]:
    """How many citizen rows each openid has (found by its alias, as the service finds them)."""
    index = svc.app[PROTECTION].index
    return [
        int(await svc.scalar("SELECT COUNT(*) FROM citizen WHERE alias = :a", a=index.citizen_alias(o)))
        for o in openids
    ]


def read_only(path: Path, sql: str) -> list[Any]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


async def test_a_backup_taken_while_citizens_write_comes_back_after_a_restore(
    start_service: ServiceFactory, database_url: str, tmp_path: Path
):
    svc = await start_service()
    await svc.add_account("zhang", specialties=["labor"])
    before = svc.citizen()
    await before.say("老板拖欠我三个月工资")
    during = svc.citizen()
    backup_file = tmp_path / "backups" / "monday.db"
    backup_file.parent.mkdir()

    backing_up = asyncio.ensure_future(legalaid(database_url, "backup", str(backup_file)))
    written = 0
    while not backing_up.done():  # a citizen keeps writing for as long as the backup runs
        await during.say(f"第{written}个问题：加班费怎么算")
        written += 1
    code, said = backing_up.result()
    assert code == 0, said
    assert written >= 2
    assert f"backup written to {backup_file}" in said and "schema revision" in said
    assert read_only(backup_file, "PRAGMA quick_check") == [("ok",)]
    assert read_only(backup_file, "PRAGMA foreign_key_check") == []
    assert read_only(backup_file, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    in_backup = read_only(backup_file, "SELECT COUNT(*) FROM message")[0][0]
    assert in_backup >= 2

    after = svc.citizen()
    await after.say("我想咨询离婚财产分割")
    await svc.add_account("late", specialties=["family"])

    code, said = await legalaid(database_url, "restore", str(backup_file))
    assert code != 0 and "a service has" in said and "--force" in said
    assert await citizens(svc, after.openid) == [1]  # refused: nothing changed

    await svc.stop()
    code, said = await legalaid(database_url, "restore", str(backup_file))
    assert code == 0, said
    assert not list(tmp_path.glob("*.restoring"))

    again = await start_service()
    assert await citizens(again, before.openid, after.openid) == [1, 0]
    assert await again.count("message") == in_backup
    assert await again.scalar("SELECT COUNT(*) FROM consultant WHERE username = 'late'") == 0
    zhang = await again.console("zhang")
    assert (await zhang.get("/api/handoffs"))[0] == 200
    told = await again.citizen(before.openid).say("你好")  # the service reads what it restored
    assert told.reply_text


async def test_a_restore_refuses_what_is_not_a_database_of_ours(
    start_service: ServiceFactory, database_url: str, tmp_path: Path
):
    svc = await start_service()
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    sealed_elsewhere = tmp_path / "other-center.db"
    assert (await legalaid(database_url, "backup", str(sealed_elsewhere)))[0] == 0
    await svc.stop()
    counts = await live_counts(database_url)

    junk = tmp_path / "notes.db"
    junk.write_text("not a database")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    for candidate, reason, key in (
        (tmp_path / "missing.db", "is not a file", TEST_FIELD_KEY),
        (junk, "is not a SQLite database", TEST_FIELD_KEY),
        (foreign, "not one of this service's", TEST_FIELD_KEY),
        (sealed_elsewhere, "does not open with the configured field keys", OTHER_FIELD_KEY),
    ):
        code, said = await legalaid(database_url, "restore", str(candidate), field_key=key)
        assert code != 0 and reason in said, said
        assert await live_counts(database_url) == counts
    assert not list(tmp_path.glob("*.restoring"))


async def live_counts(database_url: str) -> list[Any]:
    path = Path(database_url.split(":///", 1)[1])
    return read_only(path, "SELECT (SELECT COUNT(*) FROM message), (SELECT COUNT(*) FROM citizen)")


@pytest.mark.parametrize("command", ["backup", "restore"])
async def test_on_postgresql_the_commands_point_to_its_own_tools(command: str, tmp_path: Path):
    code, said = await legalaid(POSTGRES_URL, command, str(tmp_path / "x.dump"))
    assert code != 0
    assert "pg_dump" in said and "pg_restore" in said
    assert not (tmp_path / "x.dump").exists()
