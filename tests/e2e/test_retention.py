"""Records retention with an injected clock: consultations closed before the cut-off lose what
is personal and keep what is counted, recent ones are untouched, the figures do not move, and a
second run changes nothing. `legalaid records retention --dry-run` reports first."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, update

from bot.app_keys import RETENTION
from bot.clock import MovableClock, SystemClock
from bot.store.tables import annotation_t, consultation_t, quality_review_t
from tests.command_line import command_env, legalaid_args
from tests.conftest import TEST_ALIAS_KEY, TEST_FIELD_KEY, RunningService, ServiceFactory
from tests.e2e.test_handoff_console_api import item_of, open_handoff

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 3 June 2026, 10:00 in Beijing: a working day in service hours.
JUNE_MORNING = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
# What each record keeps for the figures (002 §7.4.10 satisfaction, deadlines, outcomes).
COUNTED = (
    "id, channel, kind, intent, intents, specialty, outcome, referral, consultant_id, started_at, "
    "first_reply_at, closed_at, breached, satisfaction, quality_score, status"
)


def clock_of(svc: RunningService) -> MovableClock:
    assert isinstance(svc.clock, MovableClock)
    return svc.clock


async def closed_consultation(svc: RunningService) -> int:
    """A citizen's labor question handed to a consultant, answered, noted, closed with outcome b;
    then what other parts of the record hold: identity, summary, satisfaction, an annotation and
    a quality review. Returns the consultation id."""
    openid = await open_handoff(svc)
    zhang = await svc.console("zhang")
    handoff = (await item_of(zhang, openid))["id"]
    for path, body in (
        ("claim", {}),
        ("messages", {"text": "请保留工资条和考勤记录，可以申请劳动仲裁"}),
        ("notes", {"text": "市民姓张，在建筑工地打工"}),
        ("close", {"outcome": "b", "note": "已告知仲裁途径"}),
    ):
        status, answer = await zhang.post(f"/api/handoffs/{handoff}/{path}", body)
        assert status == 200, answer
    consultation = int(await svc.scalar("SELECT consultation_id FROM handoff WHERE id = :h", h=handoff))
    now = svc.clock.now()
    zhang_id = int(await svc.scalar("SELECT id FROM consultant WHERE username = 'zhang'"))

    def record(conn: Any) -> None:
        conn.execute(
            update(consultation_t)
            .where(consultation_t.c.id == consultation)
            .values(
                identity={"name": "张建国", "phone": "13912345678"},
                summary="欠薪三个月，约两万元",
                satisfaction=4,
                satisfaction_comment="张律师很耐心",
                quality_score=90,
                screening={"case": {"matter": "labor_remuneration"}},
            )
        )
        conn.execute(
            insert(annotation_t).values(
                consultation_id=consultation, consultant_id=zhang_id, at=now, text="张某的材料齐全"
            )
        )
        conn.execute(
            insert(quality_review_t).values(
                consultation_id=consultation,
                consultant_id=zhang_id,
                week="2026-W23",
                sampled_at=now,
                score=85,
                note="答复及时",
            )
        )

    await svc.database.write(record)
    return consultation


async def snapshot(svc: RunningService, consultation: int) -> dict[str, Any]:
    """Everything retention may touch, as stored (sealed values as ciphertext)."""
    where = {"c": consultation}
    return {
        "consultation": await svc.rows(
            "SELECT identity, summary, screening, satisfaction_comment, anonymised_at FROM consultation "
            "WHERE id = :c",
            **where,
        ),
        "messages": await svc.rows(
            "SELECT id, text, extra FROM message WHERE consultation_id = :c ORDER BY id", **where
        ),
        "terms": await svc.rows(
            "SELECT t.term, t.message_id FROM transcript_term t JOIN message m ON m.id = t.message_id "
            "WHERE m.consultation_id = :c ORDER BY t.message_id, t.term",
            **where,
        ),
        "handoffs": await svc.rows(
            "SELECT summary, packet, outcome_note FROM handoff WHERE consultation_id = :c", **where
        ),
        "events": await svc.rows(
            "SELECT e.detail FROM handoff_event e JOIN handoff h ON h.id = e.handoff_id "
            "WHERE h.consultation_id = :c ORDER BY e.id",
            **where,
        ),
        "annotations": await svc.rows(
            "SELECT text FROM consultation_annotation WHERE consultation_id = :c", **where
        ),
        "reviews": await svc.rows(
            "SELECT score, note FROM quality_review WHERE consultation_id = :c", **where
        ),
    }


async def figures(svc: RunningService) -> list[Any]:
    return [
        await svc.rows(f"SELECT {COUNTED} FROM consultation ORDER BY id"),
        await svc.rows("SELECT consultation_id, COUNT(*) FROM message GROUP BY consultation_id ORDER BY 1"),
        await svc.rows(
            "SELECT id, status, kind, specialty, outcome, opened_at, first_reply_at, closed_at FROM handoff"
        ),
        await svc.rows("SELECT COUNT(*) FROM handoff_event"),
        await svc.rows("SELECT consultation_id, score FROM quality_review ORDER BY id"),
    ]


@pytest.fixture
async def office(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(clock=MovableClock(JUNE_MORNING), retention_days=30)
    await svc.add_account("zhang", specialties=["labor"])
    return svc


async def test_old_records_lose_what_is_personal_and_keep_what_is_counted(office: RunningService):
    old = await closed_consultation(office)
    clock_of(office).advance(days=20)
    recent = await closed_consultation(office)
    clock_of(office).advance(days=20)  # Monday 13 July: the cut-off is 13 June, Beijing midnight
    recent_before = await snapshot(office, recent)
    figures_before = await figures(office)
    assert len((await snapshot(office, old))["terms"]) > 0

    retention = office.app[RETENTION]
    report = await retention.report()
    assert report.cutoff == datetime(2026, 6, 13, tzinfo=SHANGHAI)
    old_messages = len((await snapshot(office, old))["messages"])
    assert (report.consultations, report.messages) == (1, old_messages)
    assert await snapshot(office, recent) == recent_before  # a dry run changes nothing

    done = await retention.run()
    assert (done.consultations, done.messages) == (1, old_messages)
    after = await snapshot(office, old)
    [(identity, summary, screening, comment, anonymised_at)] = after["consultation"]
    assert (identity, summary, screening, comment) == (None, None, None, None)
    assert anonymised_at is not None
    assert all(text is None and extra is None for _, text, extra in after["messages"])
    assert len(after["messages"]) == old_messages and after["terms"] == []
    [(handoff_summary, packet, outcome_note)] = after["handoffs"]
    assert office.unseal(handoff_summary, "handoff.summary") == ""
    assert office.unseal(packet, "handoff.packet") == {} and outcome_note is None
    assert all(office.unseal(d, "handoff_event.detail") == {} for (d,) in after["events"])
    assert after["annotations"] == [] and [tuple(r) for r in after["reviews"]] == [(85, None)]

    assert await snapshot(office, recent) == recent_before
    assert await figures(office) == figures_before
    [entry] = await office.rows(
        "SELECT consultant_id, action, object_type, address, detail FROM audit_entry "
        "WHERE action = 'anonymise_records'"
    )
    assert (entry.consultant_id, entry.object_type, entry.address) == (None, "consultation", None)
    detail = json.loads(entry.detail) if isinstance(entry.detail, str) else entry.detail
    assert detail["ids"] == [old] and detail["messages"] == old_messages

    # Again, and once more a day later: nothing is anonymised twice, nothing is rewritten.
    stored = await snapshot(office, old)
    assert (await retention.run()).consultations == 0
    clock_of(office).advance(days=1)
    assert (await retention.report()).consultations == 0
    assert (await retention.run()).consultations == 0
    assert await snapshot(office, old) == stored
    assert await snapshot(office, recent) == recent_before
    assert await office.count("audit_entry WHERE action = 'anonymise_records'") == 1


async def test_two_workers_running_at_once_anonymise_each_record_once(office: RunningService):
    for _ in range(3):
        await closed_consultation(office)
    clock_of(office).advance(days=40)
    retention = office.app[RETENTION]
    first, second = await asyncio.gather(retention.run(batch=1), retention.run(batch=1))
    assert first.consultations + second.consultations == 3
    assert await office.count("consultation WHERE anonymised_at IS NOT NULL") == 3
    ids = await office.rows("SELECT detail FROM audit_entry WHERE action = 'anonymise_records'")
    assert len(ids) == 3


async def test_the_command_reports_first_then_anonymises(start_service: ServiceFactory, database_url: str):
    """With the real clock, as an operator runs it: the default period is 1095 days."""
    real = SystemClock().now()
    svc = await start_service(clock=MovableClock(real - timedelta(days=4 * 365)))
    await svc.add_account("zhang", specialties=["labor"])
    old = await closed_consultation(svc)
    clock_of(svc).set(real - timedelta(days=1))
    recent = await closed_consultation(svc)
    env = command_env(database_url=database_url, field_key=TEST_FIELD_KEY, alias_key=TEST_ALIAS_KEY)
    cutoff_day = (real.astimezone(SHANGHAI).date() - timedelta(days=1095)).isoformat()
    messages = await svc.count(f"message WHERE consultation_id = {old}")

    said = await legalaid(env, "records", "retention", "--dry-run")
    assert f"consultations closed before {cutoff_day} (Asia/Shanghai), 1095 days ago" in said
    assert f"would anonymise 1 consultations ({messages} messages)" in said
    assert await svc.count("consultation WHERE anonymised_at IS NOT NULL") == 0

    said = await legalaid(env, "records", "retention")
    assert f"anonymised 1 consultations ({messages} messages)" in said
    anonymised = await svc.rows("SELECT id FROM consultation WHERE anonymised_at IS NOT NULL")
    assert [r.id for r in anonymised] == [old] and recent != old


async def legalaid(env: dict[str, str], *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *legalaid_args(*args), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    said = out.decode()
    assert proc.returncode == 0, said
    return said
