"""Two consultants answer the same item at the same moment: does exactly one answer go out?

    python -m benchmarks.parallel_answers --db postgres --pairs 100 [--pg-url URL]
    python -m benchmarks.parallel_answers --db sqlite --pairs 100

The service (`legalaid serve`) and the fake WeChat API run as their own processes, with the
real Redis. `--pairs` citizens each tell a labor story and ask for a human; two labor
consultants log in, and for every open item both POST /api/handoffs/{id}/messages at once
(asyncio.gather per pair; `--wave` pairs at a time, all of them by default). Answering an
unclaimed item claims it, so one answer must win (200) and the other must hear 409. The table
counts the outcomes, what the fake WeChat API delivered per item (must be exactly 1), the
answers the database recorded per item, and the latencies, beside a baseline measured in the
same run: `--solo` more items answered by one consultant, one at a time, with nobody racing.
PostgreSQL is reset first (`--pg-url`, by default the shared test database). Traffic goes to
127.0.0.1 only, bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.postgres import BENCH_KEY_ENV, bench_protection, reset_postgres
from benchmarks.wechat_callback import POSTGRES_URL, REDIS_URL, TOKEN, _free_ports, _wait_ready
from bot.wechat.fake_api import DEMO_APPID, DEMO_APPSECRET

CONSULTANTS = ("zhang", "wang")
STORY = "老板拖欠我三个月工资"
OPENING_BATCH = 20  # citizens writing at once while the items are opened (not measured)


@dataclass
class Console:
    """One consultant's browser: own cookie jar, CSRF header on every change."""

    name: str
    url: str
    http: aiohttp.ClientSession
    csrf: str = ""

    async def login(self, password: str) -> None:
        body = {"username": self.name, "password": password}
        async with self.http.post(f"{self.url}/api/session", json=body) as resp:
            assert resp.status == 200, await resp.text()
            self.csrf = (await resp.json())["csrf_token"]

    async def item_for(self, openid: str) -> int:
        async with self.http.get(f"{self.url}/api/handoffs", params={"openid": openid}) as resp:
            [item] = (await resp.json())["items"]
            return int(item["id"])

    async def answer(self, handoff_id: int, text: str) -> tuple[int, float]:
        """POST the answer; (HTTP status, seconds until the whole response was read)."""
        started = time.perf_counter()
        async with self.http.post(
            f"{self.url}/api/handoffs/{handoff_id}/messages",
            json={"text": text},
            headers={"X-CSRF-Token": self.csrf},
        ) as resp:
            await resp.read()
            return resp.status, time.perf_counter() - started


@dataclass
class Race:
    """What one pair of simultaneous answers did."""

    openid: str
    handoff_id: int
    statuses: tuple[int, int] = (0, 0)
    seconds: tuple[float, float] = (0.0, 0.0)
    errors: list[str] = field(default_factory=list)


def answer_text(consultant: str, openid: str) -> str:
    """Each answer names its writer and its citizen, so the fake's record shows whose went out."""
    return f"{consultant}：您好，关于欠薪的问题我来为您解答（{openid[-6:]}）"


async def open_items(
    url: str, aes_key: str, http: aiohttp.ClientSession, prefix: str, count: int
) -> list[str]:
    """`count` citizens ask for a human after a labor story; returns their openids."""
    from bot.wechat.citizen_simulator import CitizenSimulator

    async def one(i: int) -> str:
        citizen = CitizenSimulator(
            http, url, token=TOKEN, openid=f"o_{prefix}_{i:06d}", aes_key=aes_key, appid=DEMO_APPID
        )
        for text in (STORY, "转人工"):
            result = await citizen.say(text)
            assert result.status == 200, (result.status, result.body)
        return citizen.openid

    openids: list[str] = []
    for start in range(0, count, OPENING_BATCH):
        openids += await asyncio.gather(*(one(i) for i in range(start, min(count, start + OPENING_BATCH))))
    return openids


async def race(first: Console, second: Console, item: Race) -> None:
    """Both consultants answer the same item at the same moment."""
    outcomes = await asyncio.gather(
        first.answer(item.handoff_id, answer_text(first.name, item.openid)),
        second.answer(item.handoff_id, answer_text(second.name, item.openid)),
        return_exceptions=True,
    )
    statuses, seconds = [], []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            item.errors.append(type(outcome).__name__)
            statuses.append(-1)
            seconds.append(float("nan"))
        else:
            statuses.append(outcome[0])
            seconds.append(outcome[1])
    item.statuses = (statuses[0], statuses[1])
    item.seconds = (seconds[0], seconds[1])


async def delivered_answers(http: aiohttp.ClientSession, fake_url: str) -> dict[str, list[str]]:
    """Consultant answers the fake WeChat API delivered, per citizen, in order."""
    async with http.get(f"{fake_url}/fake/sent") as resp:
        items = (await resp.json())["items"]
    delivered: dict[str, list[str]] = {}
    for item in items:
        text = str(item.get("text") or "")
        if item["api"] == "custom_send" and text.startswith(CONSULTANTS):
            delivered.setdefault(item["touser"], []).append(text)
    return delivered


async def recorded_answers(db_url: str) -> tuple[dict[int, int], dict[str, int]]:
    """Consultant answers the database holds per handoff, and how their deliveries stand."""
    from sqlalchemy import text

    from bot.store.db import open_database

    answered = "SELECT handoff_id, COUNT(*) FROM handoff_event WHERE kind = 'answered' GROUP BY handoff_id"
    deliveries = (
        "SELECT d.status, COUNT(*) FROM delivery d JOIN message m ON m.id = d.message_id "
        "WHERE m.author = 'consultant' GROUP BY d.status"
    )
    db = open_database(db_url, bench_protection())
    try:
        per_item = await db.read(lambda conn: conn.execute(text(answered)).all())
        statuses = await db.read(lambda conn: conn.execute(text(deliveries)).all())
    finally:
        await db.close()
    return {int(r[0]): int(r[1]) for r in per_item}, {str(r[0]): int(r[1]) for r in statuses}


def add_consultant(name: str, password: str, env: dict[str, str]) -> None:
    """The way a center creates an account: `legalaid user add`."""
    subprocess.run(
        [
            sys.executable,
            *("-m", "bot.cli", "user", "add", name),
            *("--role", "consultant", "--specialty", "labor", "--password-stdin"),
        ],
        input=(password + "\n").encode(),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _start(cmd: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    """A child process logging to a file in the temp directory (the child keeps its own handle)."""
    with open(os.path.join(tempfile.gettempdir(), f"legalaid-parallel-{log_name}.log"), "wb") as log:
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    prefix = f"bench:{secrets.token_hex(4)}:"
    password = secrets.token_urlsafe(12)
    fake_port, port = _free_ports(2)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/parallel.db" if args.db == "sqlite" else args.pg_url
        if args.db == "postgres":
            await reset_postgres(db_url)
        env = dict(
            base_env,
            **BENCH_KEY_ENV,
            LEGALAID_WECHAT_TOKEN=TOKEN,
            LEGALAID_WECHAT_AES_KEY=aes_key,
            LEGALAID_WECHAT_APPID=DEMO_APPID,
            LEGALAID_WECHAT_APPSECRET=DEMO_APPSECRET,
            LEGALAID_WECHAT_API_BASE=f"http://127.0.0.1:{fake_port}",
            LEGALAID_DATABASE_URL=db_url,
            LEGALAID_REDIS_URL=args.redis_url,
            LEGALAID_REDIS_PREFIX=prefix,
            LEGALAID_LOG_LEVEL="WARNING",
        )
        fake = _start([sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)], env, "fake")
        service = _start([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env, "service")
        url, fake_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{fake_port}"
        consoles: list[Console] = []
        try:
            await _wait_ready(url)
            await _wait_ready(fake_url)
            for name in CONSULTANTS:
                add_consultant(name, password, env)
            async with aiohttp.ClientSession() as http:
                openids = await open_items(url, aes_key, http, "race", args.pairs + args.solo)
                for name in CONSULTANTS:
                    jar = aiohttp.CookieJar(unsafe=True)
                    connector = aiohttp.TCPConnector(limit=args.wave or args.pairs)
                    consoles.append(
                        Console(name, url, aiohttp.ClientSession(cookie_jar=jar, connector=connector))
                    )
                    await consoles[-1].login(password)
                first, second = consoles
                items = [Race(o, await first.item_for(o)) for o in openids]
                raced, solo = items[: args.pairs], items[args.pairs :]

                wave = args.wave or args.pairs
                started = time.perf_counter()
                for start in range(0, len(raced), wave):
                    await asyncio.gather(*(race(first, second, item) for item in raced[start : start + wave]))
                race_seconds = time.perf_counter() - started
                solo_seconds = []
                for item in solo:
                    status, seconds = await first.answer(
                        item.handoff_id, answer_text(first.name, item.openid)
                    )
                    assert status == 200, status
                    solo_seconds.append(seconds)

                await asyncio.sleep(args.settle)  # answers are sent within the request; this is slack
                delivered = await delivered_answers(http, fake_url)
            recorded, delivery_rows = await recorded_answers(db_url)
        finally:
            for console in consoles:
                await console.http.close()
            service.terminate()
            fake.terminate()
            service.wait(timeout=30)
            fake.wait(timeout=30)
            await _forget_keys(args.redis_url, prefix)
    return summary(args, raced, solo_seconds, race_seconds, delivered, recorded, delivery_rows)


async def _forget_keys(redis_url: str, prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def summary(
    args: argparse.Namespace,
    raced: list[Race],
    solo_seconds: list[float],
    race_seconds: float,
    delivered: dict[str, list[str]],
    recorded: dict[int, int],
    delivery_rows: dict[str, int],
) -> dict[str, Any]:
    outcomes = Counter(tuple(sorted(item.statuses)) for item in raced)
    race_latencies = [s for item in raced for s in item.seconds if not math.isnan(s)]  # NaN: no response
    winners = [s for item in raced for st, s in zip(item.statuses, item.seconds, strict=True) if st == 200]
    losers = [s for item in raced for st, s in zip(item.statuses, item.seconds, strict=True) if st == 409]
    per_item_delivered = Counter(len(delivered.get(item.openid, [])) for item in raced)
    winners_text = sum(delivered.get(item.openid) == [_winner_text(item)] for item in raced)
    per_item_recorded = Counter(recorded.get(item.handoff_id, 0) for item in raced)
    return {
        "db": args.db,
        "pairs": len(raced),
        "wave": args.wave or len(raced),
        "both 200 (double answers)": outcomes[(200, 200)],
        "one 200 + one 409": outcomes[(200, 409)],
        "other outcomes": {
            "/".join(map(str, k)): n for k, n in outcomes.items() if k not in {(200, 200), (200, 409)}
        },
        "errors": Counter(e for item in raced for e in item.errors),
        "delivered per item": dict(sorted(per_item_delivered.items())),
        "items where the 200's text went out": winners_text,
        "recorded answers per item": dict(sorted(per_item_recorded.items())),
        "answer deliveries by status (incl. solo)": delivery_rows,
        "median ms (all raced requests)": _ms(statistics.median(race_latencies)) if race_latencies else None,
        "median ms (200 winners)": _ms(statistics.median(winners)) if winners else None,
        "median ms (409 losers)": _ms(statistics.median(losers)) if losers else None,
        "p95 ms (all raced requests)": _ms(_p95(race_latencies)) if race_latencies else None,
        "median ms (solo answer, nobody racing)": _ms(statistics.median(solo_seconds))
        if solo_seconds
        else None,
        "solo answers": len(solo_seconds),
        "seconds for all pairs": round(race_seconds, 2),
    }


def _winner_text(item: Race) -> str | None:
    """The answer the citizen should have: the one whose POST got the 200, if only one did."""
    won = [name for name, status in zip(CONSULTANTS, item.statuses, strict=True) if status == 200]
    return answer_text(won[0], item.openid) if len(won) == 1 else None


def broken(result: dict[str, Any]) -> bool:
    """Exactly-once failed: a double answer, or an item whose citizen got other than one answer."""
    return result["both 200 (double answers)"] > 0 or set(result["delivered per item"]) != {1}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def print_table(result: dict[str, Any]) -> None:
    width = max(len(k) for k in result)
    for key, value in result.items():
        if isinstance(value, dict | Counter):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
        print(f"{key:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--wave", type=int, default=0, help="pairs fired at once (default: all of them)")
    parser.add_argument("--solo", type=int, default=20, help="uncontended answers measured as a baseline")
    parser.add_argument("--pg-url", default=POSTGRES_URL, help="PostgreSQL database to reset and use")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds to wait before counting deliveries"
    )
    args = parser.parse_args()
    if args.pairs < 1 or args.wave < 0 or args.solo < 0:
        parser.error("--pairs must be at least 1; --wave and --solo cannot be negative")
    result = asyncio.run(run(args))
    print_table(result)
    sys.exit(1 if broken(result) else 0)


if __name__ == "__main__":
    main()
