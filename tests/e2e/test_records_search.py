"""Finding records: every filter, words from sealed transcripts and logged summaries through the
blind index, paging, and the export read back (CSV parsed, XLSX opened), audited; bad filters
are refused with the field named and change nothing.

The records are made the way the service makes them: phone and walk-in logs through the API,
WeChat consultations over the signed protocol, handed off, answered and closed by consultants.
Only the satisfaction rating (another part's flow) is written straight into its column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ConsoleClient, RunningService, ServiceFactory
from tests.e2e.test_consultation_records import act, clock_of, hand_off, talk
from tests.e2e.test_records_api import PHONE_CALL, audit_entries, log


@dataclass
class Center:
    svc: RunningService
    boss: ConsoleClient
    ids: dict[str, int]  # which record is which

    async def found(self, **filters: str) -> list[str]:
        """The records the filters find, by their names here, newest first."""
        status, body = await self.boss.get("/api/consultations", **filters)
        assert status == 200, body
        names = {v: k for k, v in self.ids.items()}
        assert body["total"] == len(body["items"])
        return [names[item["id"]] for item in body["items"]]


@pytest.fixture
async def center(start_service: ServiceFactory) -> Center:
    """Five records over six days, newest first: E, D, C (Wednesday 25th, WeChat), B (24th, walk-in),
    A (20th, 23:30 in the center, 15:30 UTC: the center's day, not UTC's, counts)."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("wang", specialties=["family"])
    await svc.add_account("boss", role="supervisor")
    ids = {}
    at = {"received_at": "2026-11-20T23:30:00+08:00"}
    ids["A"] = (await log(await svc.console("zhang"), **at))["id"]
    walk_in = {
        "channel": "walk_in",
        "received_at": "2026-11-24T15:00:00+08:00",
        "specialty": "family",
        "summary": "来访询问离婚后的财产分割，已告知去区妇联。",
        "outcome": "c",
        "referral": "区妇联",
    }
    ids["B"] = (await log(await svc.console("wang"), **walk_in))["id"]
    await talk(svc.citizen(), "你好")
    clock_of(svc).advance(minutes=1)
    _, in_time = await hand_off(svc, "老板拖欠我三个月工资")
    for step, body in (
        ("claim", None),
        ("messages", {"text": "可以申请劳动仲裁。"}),
        ("close", {"outcome": "b"}),
    ):
        await act(svc, "zhang", in_time, step, body)
    clock_of(svc).advance(minutes=1)
    _, late = await hand_off(svc, "邻居家装修太吵了")
    clock_of(svc).advance(hours=6)
    await svc.sweep()
    for step, body in (
        ("claim", None),
        ("messages", {"text": "可以找物业协调。"}),
        ("close", {"outcome": "c"}),
    ):
        await act(svc, "boss", late, step, body)
    rows = await svc.rows("SELECT id FROM consultation WHERE channel = 'wechat' ORDER BY id")
    ids["C"], ids["D"], ids["E"] = (r[0] for r in rows)
    await svc.database.write(
        lambda conn: conn.exec_driver_sql(f"UPDATE consultation SET satisfaction = 4 WHERE id = {ids['D']}")
    )
    return Center(svc, await svc.console("boss"), ids)


FINDS = (
    ({}, ["E", "D", "C", "B", "A"]),
    ({"from": "2026-11-20", "to": "2026-11-20"}, ["A"]),
    ({"from": "2026-11-21", "to": "2026-11-24"}, ["B"]),
    ({"from": "2026-11-25"}, ["E", "D", "C"]),
    ({"to": "2026-11-24"}, ["B", "A"]),
    ({"specialty": "family"}, ["B"]),
    ({"specialty": "labor"}, ["D", "A"]),
    ({"consultant": "zhang"}, ["D", "A"]),
    ({"consultant": "boss"}, ["E"]),
    ({"outcome": "c"}, ["E", "B"]),
    ({"outcome": "b"}, ["D", "A"]),
    ({"breached": "true"}, ["E"]),
    ({"breached": "false"}, ["D"]),
    ({"channel": "phone"}, ["A"]),
    ({"channel": "walk_in"}, ["B"]),
    ({"channel": "wechat"}, ["E", "D", "C"]),
    ({"satisfaction": "4"}, ["D"]),
    ({"satisfaction": "5"}, []),
    ({"q": "拖欠 工资"}, ["D"]),  # the citizen's words, sealed at rest
    ({"q": "劳动仲裁"}, ["D"]),  # the consultant's answer
    ({"q": "装修"}, ["E"]),
    ({"q": "工伤认定"}, ["A"]),  # a phone consultation's summary
    ({"q": "财产分割"}, ["B"]),
    ({"q": "离婚 工伤"}, []),  # every word, in one turn
    ({"q": "工资", "channel": "phone"}, []),
    ({"outcome": "b", "channel": "wechat", "consultant": "zhang", "q": "仲裁"}, ["D"]),
)


async def test_each_filter_finds_exactly_its_records(center: Center):
    for filters, expected in FINDS:
        assert await center.found(**filters) == expected, filters


async def test_pages_are_newest_first_with_the_total_of_all_matches(center: Center):
    seen: list[int] = []
    for offset in (0, 2, 4):
        status, body = await center.boss.get("/api/consultations", limit="2", offset=str(offset))
        assert status == 200 and body["total"] == 5
        seen += [item["id"] for item in body["items"]]
    assert seen == [center.ids[n] for n in "EDCBA"]
    status, body = await center.boss.get("/api/consultations", offset="10")
    assert (body["items"], body["total"]) == ([], 5)
    status, body = await center.boss.get("/api/consultations", limit="1", channel="wechat")
    assert len(body["items"]) == 1 and body["total"] == 3
    item = body["items"][0]
    assert set(item) == {
        "id", "citizen", "channel", "kind", "intents", "specialty", "outcome", "referral",
        "application_number", "consultant", "received_at", "first_reply_at", "closed_at",
        "breached", "satisfaction", "quality_score",
    }  # fmt: skip
    assert (item["consultant"], item["breached"], item["kind"]) == ("boss", True, "online")


REFUSED = (
    ({"from": "2026-13-01"}, "from"),
    ({"from": "20261120"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-11-25", "to": "2026-11-24"}, "to"),
    ({"specialty": "astrology"}, "specialty"),
    ({"consultant": "ghost"}, "consultant"),
    ({"outcome": "d"}, "outcome"),
    ({"breached": "maybe"}, "breached"),
    ({"channel": "fax"}, "channel"),
    ({"satisfaction": "6"}, "satisfaction"),
    ({"satisfaction": "四"}, "satisfaction"),
    ({"q": "，。！"}, "q"),
    ({"q": "长" * 101}, "q"),
    ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"),
    ({"offset": "-1"}, "offset"),
)


async def test_a_bad_filter_is_refused_naming_it_and_changes_nothing(center: Center):
    before = await center.svc.counts()
    for filters, field in REFUSED:
        paths = ["/api/consultations"]
        if field not in ("limit", "offset"):  # the export is every match: it has no pages
            paths.append("/api/consultations/export")
        for path in paths:
            status, problem = await center.boss.get(path, format="csv", **filters)
            assert (status, problem.get("field")) == (422, field), (path, filters, problem)
    assert await center.svc.counts() == before  # not even an audit entry for a refused export


async def export(center: Center, fmt: str, **filters: str) -> tuple[bytes, str]:
    async with center.boss.http.get(
        f"{center.svc.url}/api/consultations/export", params={"format": fmt, **filters}
    ) as r:
        assert r.status == 200, await r.text()
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Content-Disposition"].startswith("attachment;")
        return await r.read(), r.headers["Content-Type"]


async def test_the_csv_export_is_the_filtered_list_in_chinese_audited_with_its_filters(center: Center):
    content, content_type = await export(center, "csv", **{"from": "2026-11-20", "q": "工伤认定"})
    assert content_type.startswith("text/csv") and content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header[:4] == ["编号", "接收时间", "市民代号", "渠道"] and "处理结果" in header
    assert [row[0] for row in rows] == [str(center.ids["A"])]
    named = dict(zip(header, rows[0], strict=True))
    assert named["接收时间"] == "2026-11-20 23:30"  # the center's wall clock
    assert (named["渠道"], named["咨询类型"], named["咨询员"]) == ("电话", "电话咨询", "zhang")
    assert (named["处理结果"], named["答复时限"], named["专业"]) == (
        "不符合条件，已给法律建议",
        "不计时",
        "劳动争议",
    )

    everything, _ = await export(center, "csv")
    text = everything.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 6
    for personal in ("王小明", "13812345678", "138****5678", "工伤认定的申请期限", "拖欠"):
        assert personal not in text  # no names, numbers, summaries or transcripts leave this way
    boss_id = await center.svc.scalar("SELECT id FROM consultant WHERE username = 'boss'")
    entries = await audit_entries(center.svc, "export_consultations")
    assert [(who, detail["count"], detail["format"]) for who, _, detail in entries] == [
        (boss_id, 1, "csv"),
        (boss_id, 5, "csv"),
    ]
    assert entries[0][2]["filters"] == {"from": "2026-11-19T16:00:00+00:00", "q": True}


async def test_the_xlsx_export_opens_with_the_same_rows(center: Center):
    content, content_type = await export(center, "xlsx", channel="wechat")
    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    rows = [row + [None] * (len(header) - len(row)) for row in rows]  # empty cells at the end are not stored
    assert header[0] == "编号" and len(rows) == 3
    assert [row[0] for row in rows] == [center.ids[n] for n in "EDC"]
    named = dict(zip(header, rows[0], strict=True))
    assert (named["答复时限"], named["处理结果"], named["咨询员"]) == (
        "超时",
        "非法律援助事项，已告知咨询渠道",
        "boss",
    )
    assert named["满意度"] is None and dict(zip(header, rows[1], strict=True))["满意度"] == 4
    status, problem = await center.boss.get("/api/consultations/export", format="pdf")
    assert (status, problem["field"]) == (422, "format")


async def test_a_logged_summary_is_found_but_is_no_turn_of_the_transcript(center: Center):
    status, body = await center.boss.get(f"/api/consultations/{center.ids['A']}")
    assert status == 200 and body["transcript"] == [] and "工伤认定" in body["summary"]
    assert PHONE_CALL["summary"] == body["summary"]
