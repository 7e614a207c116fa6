"""Searching the consultation records: the list staff filter, on 100 000 records, SQLite and PostgreSQL.

    python -m benchmarks.records_search --db both --records 100000 --runs 15
    python -m benchmarks.records_search --db postgres --pg-admin postgresql://postgres@127.0.0.1:5432/postgres

SQLite: a fresh file in a temporary folder. PostgreSQL: the database `--pg-db` (bench_records) is
CREATEd on the server of `--pg-admin`, loaded, measured and DROPped at the end (it must not exist).
Both get the schema by the migrations, then the load, then ANALYZE (PostgreSQL: VACUUM ANALYZE, as
autovacuum does after a bulk insert; without it every index-only scan still reads the table).

The load, in bulk through the store's Core tables, so every sealed column is sealed by its type
and the word index holds the same keyed fingerprints the service writes: 60 000 citizens,
31 console accounts, `--records` consultations spread over a year (85 % WeChat, 10 % phone, 5 %
walk-in; 40 % of the WeChat ones handed to a consultant, 8 % of those breached; outcomes,
satisfaction for a third), each with 1-4 citizen turns and the bot's replies, 1-3 consultant
answers when handed off, a logged summary for phone and walk-in ones, and the fingerprints of the
citizens' and consultants' words (segmented once per distinct sentence: the sentences come from
pools per specialty, a few with a number that varies; "包钢" is in about 0.5 % of records).

Measured through the use case the API calls (`ConsultationRecords.search`: one page of 100 and the
total), as a supervisor and as a consultant: the median over `--runs` runs after two warm-ups, and
its ratio to a trivial query (`SELECT 1` through the same `Database.read`) measured in the same
session. The target is well under a second for each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks.postgres import bench_protection

REPO_ROOT = Path(__file__).resolve().parents[1]
END = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
CITIZENS = 60_000
BATCH = 5_000
SENTENCES = {
    "labor": [
        "老板拖欠我{n}个月工资不给怎么办",
        "公司没有签劳动合同，现在要辞退我",
        "工地上受伤了，老板不给工伤赔偿",
        "加班费一直不发，能申请劳动仲裁吗",
        "公司不给交社保，我想辞职要补偿",
    ],
    "family": [
        "我想离婚，孩子抚养权归谁",
        "丈夫家暴，我要怎么保护自己",
        "离婚后对方{n}个月不给抚养费",
        "父母年纪大了，兄弟不给赡养费",
        "结婚{n}年，房子只写了他的名字",
    ],
    "personal_injury": [
        "被车撞了，对方保险公司不赔",
        "邻居的狗把我咬伤了",
        "在商场摔倒骨折，商场不管",
        "医疗事故怎么鉴定",
    ],
    "criminal": ["我儿子被公安抓了，能请律师吗", "家人被拘留{n}天了还没消息", "被人打伤了要报案吗"],
    "civil": ["借给朋友{n}万元不还", "邻居家装修太吵了", "买的房子漏水开发商不管", "网购被骗了怎么办"],
    "general": ["你好", "请问法律援助中心在哪里", "需要带什么材料", "投诉工作人员态度不好"],
}
RARE = "我在包钢上班，工伤认定要多久"  # in about 0.5 % of the records
BOT_REPLY = "您好，这类问题一般可以这样处理：先保留证据，再申请调解或仲裁。需要转人工请回复“转人工”。"
ANSWERS = [
    "您好，欠薪可以先向劳动监察大队投诉，也可以申请劳动仲裁。",
    "建议先收集证据，包括聊天记录、转账记录和证人。",
    "这个情况可以申请法律援助，请准备身份证和经济困难说明。",
    "离婚纠纷可以先到人民调解委员会调解，调解不成再起诉。",
    "请在一年内申请工伤认定，逾期可能无法认定。",
]
SUMMARIES = ["来电咨询工伤认定期限，已告知一年内申请。", "来访询问离婚财产分割，已告知去区妇联。"]


# ---- the load ------------------------------------------------------------------------------------
class Words:
    """Each distinct sentence segmented and fingerprinted once (jieba is the slow part of a load)."""

    def __init__(self, index: Any) -> None:
        self._index = index
        self._seen: dict[str, list[str]] = {}

    def terms(self, sentence: str) -> list[str]:
        if sentence not in self._seen:
            self._seen[sentence] = sorted(self._index.terms(sentence))
        return self._seen[sentence]


def _sentence(rng: random.Random, specialty: str) -> str:
    return rng.choice(SENTENCES[specialty]).format(n=rng.randint(1, 12))


def generate(records: int, seed: int, index: Any) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) in insertion order; ids are given, so messages and terms can refer to them."""
    rng, words = random.Random(seed), Words(index)
    consultants = [
        {"id": i, "username": f"c{i:02d}", "password_hash": "-", "role": "consultant", "specialties": [],
         "active": True, "created_at": END - timedelta(days=400)}
        for i in range(1, 31)
    ]  # fmt: skip
    consultants.append({**consultants[0], "id": 31, "username": "boss", "role": "supervisor"})
    yield "consultant", consultants
    for start in range(1, CITIZENS + 1, BATCH):
        yield "citizen", [
            {"id": i, "openid": f"o-bench-{i}", "alias": index.citizen_alias(f"o-bench-{i}"), "subscribed": True,
             "first_seen_at": END - timedelta(days=400), "last_inbound_at": END}
            for i in range(start, min(start + BATCH, CITIZENS + 1))
        ]  # fmt: skip
    message_id = 0
    for start in range(1, records + 1, BATCH):
        consultations, messages, terms = [], [], []
        for cid in range(start, min(start + BATCH, records + 1)):
            row, texts = _consultation(rng, cid)
            consultations.append(row)
            for author, sentence in texts:
                message_id += 1
                messages.append(_message(message_id, row, author, sentence))
                if author != "bot":
                    terms += [{"term": t, "message_id": message_id} for t in words.terms(sentence)]
        yield "consultation", consultations
        yield "message", messages
        yield "transcript_term", terms


def _consultation(rng: random.Random, cid: int) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    started = END - timedelta(seconds=rng.randrange(365 * 24 * 3600))
    channel = rng.choices(["wechat", "phone", "walk_in"], [85, 10, 5])[0]
    specialty = rng.choice(list(SENTENCES))
    handed = channel == "wechat" and rng.random() < 0.4
    consultant = rng.randint(1, 30) if handed or channel != "wechat" else None
    texts: list[tuple[str, str]] = []
    for _ in range(rng.randint(1, 4)):
        texts += [("citizen", _sentence(rng, specialty)), ("bot", BOT_REPLY)]
    if rng.random() < 0.005:
        texts += [("citizen", RARE), ("bot", BOT_REPLY)]
    if handed:
        texts += [("consultant", rng.choice(ANSWERS)) for _ in range(rng.randint(1, 3))]
    if channel != "wechat":
        texts = [("summary", rng.choice(SUMMARIES))]
    row = {
        "id": cid,
        "citizen_id": rng.randint(1, CITIZENS),
        "status": "closed",
        "channel": channel,
        "kind": {"phone": "phone", "walk_in": "on_site"}.get(channel, rng.choice(["online", "message"]))
        if handed or channel != "wechat"
        else None,
        "intent": f"consult_{specialty}",
        "intents": [f"consult_{specialty}"] + (["request_human"] if handed else []),
        "specialty": specialty if handed or channel != "wechat" or rng.random() < 0.7 else None,
        "outcome": rng.choice(["a", "b", "c", None]) if not handed else rng.choice(["a", "b", "c"]),
        "started_at": started,
        "last_activity_at": started + timedelta(minutes=10),
        "closed_at": started + timedelta(minutes=40),
        "consultant_id": consultant,
        "logged_by": consultant if channel != "wechat" else None,
        "first_reply_at": started + timedelta(minutes=rng.randint(5, 600)) if handed else None,
        "breached": (rng.random() < 0.08) if handed else None,
        "ended_by": "consultant" if handed else ("logged" if channel != "wechat" else "silence"),
        "satisfaction": rng.randint(1, 5) if rng.random() < 0.33 else None,
        "identity": {"name": "王小明", "phone": "13812345678"} if channel != "wechat" else None,
        "summary": texts[0][1] if channel != "wechat" else None,
    }
    return row, texts


def _message(message_id: int, consultation: dict[str, Any], author: str, sentence: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "consultation_id": consultation["id"],
        "citizen_id": consultation["citizen_id"],
        "direction": "in" if author == "citizen" else "out",
        "author": "consultant" if author == "summary" else author,
        "kind": "summary" if author == "summary" else "text",
        "text": sentence,
        "recorded_at": consultation["started_at"],
        "consultant_id": consultation["consultant_id"] if author in ("consultant", "summary") else None,
    }


async def load(db: Any, records: int, seed: int, index: Any) -> dict[str, int]:
    from bot.store import tables

    counts: dict[str, int] = {}
    for name, rows in generate(records, seed, index):
        table = tables.term_t if name == "transcript_term" else getattr(tables, f"{name}_t")
        for part in range(0, len(rows), BATCH):
            chunk = rows[part : part + BATCH]
            await db.write(lambda conn, t=table, c=chunk: conn.execute(t.insert(), c))
        counts[name] = counts.get(name, 0) + len(rows)
    if db.async_engine is not None:  # PostgreSQL: outside a transaction, as autovacuum runs it
        await db.read(lambda conn: conn.exec_driver_sql("VACUUM ANALYZE"))
    else:
        await db.write(lambda conn: conn.exec_driver_sql("ANALYZE"))
    return counts


# ---- the measurements ----------------------------------------------------------------------------
SEARCHES: list[tuple[str, dict[str, str]]] = [
    ("everything, first page", {}),
    ("one month", {"from": "2026-10-01", "to": "2026-10-31"}),
    ("one month, labor", {"from": "2026-10-01", "to": "2026-10-31", "specialty": "labor"}),
    ("breached", {"breached": "true"}),
    ("one consultant", {"consultant": "c07"}),
    ("outcome c, WeChat", {"outcome": "c", "channel": "wechat"}),
    ("satisfaction 1, phone", {"satisfaction": "1", "channel": "phone"}),
    ("q: a common word", {"q": "工资"}),
    ("q: two words", {"q": "拖欠 工资"}),
    ("q: a rare word", {"q": "包钢"}),
    ("q: a summary's words", {"q": "工伤认定 期限"}),
    ("q + one month + labor", {"q": "仲裁", "from": "2026-10-01", "to": "2026-10-31", "specialty": "labor"}),
    ("page 50 (offset 4900)", {"offset": "4900"}),
]


async def median_ms(call: Callable[[], Awaitable[Any]], runs: int) -> float:
    for _ in range(2):
        await call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


async def measure(db: Any, runs: int) -> list[tuple[str, str, float, int]]:
    from bot.center.center import load_center
    from bot.clock import SystemClock
    from bot.records.consultations import ConsultationRecords
    from bot.records.domain.filters import read_filter, read_page
    from bot.workdays.duty import Consultant

    center = load_center(REPO_ROOT / "data")
    records = ConsultationRecords(
        db, SystemClock(), center.specialties, center.service.tz, bench_protection().index
    )
    viewers = {
        "supervisor": Consultant(31, "boss", "supervisor", frozenset(), True),
        "consultant c07": Consultant(7, "c07", "consultant", frozenset({"labor"}), True),
    }
    baseline = await median_ms(
        lambda: db.read(lambda conn: conn.execute(text("SELECT 1")).scalar_one()), runs
    )
    found: list[tuple[str, str, float, int]] = [("baseline: SELECT 1", "", baseline, 0)]
    for label, query in SEARCHES:
        for who, viewer in viewers.items():
            if who != "supervisor" and label not in (
                "everything, first page",
                "q: a common word",
                "one month",
            ):
                continue
            filters, page = read_filter(query, records.tz), read_page(query)
            result = await records.search(viewer, filters, page)
            ms = await median_ms(lambda v=viewer, f=filters, p=page: records.search(v, f, p), runs)
            found.append((label, who, ms, result.total))
    return found


def report(
    target: str, counts: dict[str, int], loaded_s: float, rows: list[tuple[str, str, float, int]]
) -> None:
    baseline = rows[0][2]
    print(f"\n## {target}: {counts['consultation']} records, {counts['message']} messages, "
          f"{counts['transcript_term']} index terms (loaded in {loaded_s:.0f} s)")  # fmt: skip
    print(f"{'search':32} {'as':16} {'median ms':>10} {'x SELECT 1':>11} {'total':>8}")
    for label, who, ms, total in rows:
        print(f"{label:32} {who:16} {ms:10.2f} {ms / baseline:11.1f} {total:8}")
    sys.stdout.flush()


async def one_database(target: str, url: str, args: argparse.Namespace) -> None:
    from bot.store.db import open_database, upgrade_schema

    protection = bench_protection()
    db = open_database(url, protection)
    try:
        await upgrade_schema(db)
        began = time.perf_counter()
        counts = await load(db, args.records, args.seed, protection.index)
        loaded = time.perf_counter() - began
        report(target, counts, loaded, await measure(db, args.runs))
    finally:
        await db.close()


async def run(args: argparse.Namespace) -> None:
    import asyncpg

    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await one_database("SQLite", f"sqlite+aiosqlite:///{folder}/records.db", args)
    if args.db in ("postgres", "both"):
        admin = await asyncpg.connect(args.pg_admin)
        await admin.execute(f'CREATE DATABASE "{args.pg_db}"')
        try:
            server = args.pg_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            await one_database("PostgreSQL", f"{server}/{args.pg_db}", args)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-db", default="bench_records")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
