"""Redis goes away under a steady stream of WeChat messages: how many are lost or doubled?

    python -m benchmarks.redis_outage --db postgres --rate 10 --outage 20
    python -m benchmarks.redis_outage --db postgres --fault kill

The service (`legalaid serve`) and the fake WeChat API run as their own processes, with a
`redis-server` of the service's own on a free port. Citizens write at `--rate` messages per
second; after `--before` seconds Redis is stalled (SIGSTOP: connections hang) or killed for
`--outage` seconds. Each message is delivered as WeChat does: the same signed body, a 5 s
timeout, three more tries when there is no 200. Afterwards the service's own sweeps get up to
`--settle` seconds to answer what waited. Traffic goes to 127.0.0.1 only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

from benchmarks.postgres import bench_protection, reset_postgres
from benchmarks.wechat_callback import APPID, POSTGRES_URL, TOKEN, _free_ports, _wait_ready, service_env

TRIES = 4
TRY_TIMEOUT = 5.0


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _deliver(http: aiohttp.ClientSession, url: str, aes_key: str, i: int) -> dict[str, Any]:
    """One message as WeChat sends it; what the citizen saw at once (a passive reply or not)."""
    from bot.wechat.citizen_simulator import CitizenSimulator

    citizen = CitizenSimulator(
        http, url, token=TOKEN, openid=f"o_outage_{i:06d}", aes_key=aes_key, appid=APPID
    )
    params, body = citizen.signed(citizen.text_xml("老板拖欠工资三个月了怎么办", msg_id=20_000_000 + i))
    for attempt in range(1, TRIES + 1):
        try:
            result = await asyncio.wait_for(citizen.post(params, body), TRY_TIMEOUT)
        except (TimeoutError, aiohttp.ClientError):
            continue
        if result.status == 200:
            return {"openid": citizen.openid, "attempts": attempt, "passive": result.reply_text is not None}
    return {"openid": citizen.openid, "attempts": TRIES, "passive": False, "gave_up": True}


async def _sent_counts(http: aiohttp.ClientSession, fake_url: str) -> dict[str, int]:
    async with http.get(f"{fake_url}/fake/sent") as resp:
        items = (await resp.json())["items"]
    counts: dict[str, int] = {}
    for item in items:
        counts[item["touser"]] = counts.get(item["touser"], 0) + 1
    return counts


async def run(args: argparse.Namespace) -> dict[str, Any]:
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    redis_port, fake_port, port = _free_ports(3)
    redis = _redis_server(redis_port)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/outage.db" if args.db == "sqlite" else POSTGRES_URL
        if args.db == "postgres":
            await reset_postgres(POSTGRES_URL)
        env = service_env(
            aes_key,
            fake_port,
            f"bench:{secrets.token_hex(4)}:",
            LEGALAID_DATABASE_URL=db_url,
            LEGALAID_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            LEGALAID_DELIVERY_RETRY_SECONDS="2",
            LEGALAID_LOG_LEVEL="ERROR",
        )
        fake = subprocess.Popen(
            # The fake serves the service's appid; with the demo's, every token request is refused.
            [sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)],
            env=dict(base_env, LEGALAID_WECHAT_APPID=APPID),
        )
        service = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env)
        url, fake_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{fake_port}"
        try:
            await _wait_ready(url)
            await _wait_ready(fake_url)
            async with aiohttp.ClientSession() as http:
                total = int(args.rate * (args.before + args.outage + args.after))
                tasks = []
                started = time.perf_counter()
                outage_from, outage_to = args.before, args.before + args.outage
                down = False
                for i in range(total):
                    at = i / args.rate
                    await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
                    if not down and at >= outage_from and at < outage_to:
                        if args.fault == "stall":
                            redis.send_signal(signal.SIGSTOP)
                        else:
                            redis.kill()
                        down = True
                    if down and at >= outage_to:
                        if args.fault == "stall":
                            redis.send_signal(signal.SIGCONT)
                        else:
                            redis = _redis_server(redis_port)
                        down = False
                    tasks.append(asyncio.create_task(_deliver(http, url, aes_key, i)))
                results = await asyncio.gather(*tasks)
                if down and args.fault == "stall":
                    redis.send_signal(signal.SIGCONT)
                elif down:
                    redis = _redis_server(redis_port)
                settle_until = time.perf_counter() + args.settle
                passive = {r["openid"]: int(r["passive"]) for r in results}
                while True:  # the service's own sweeps answer what waited for Redis
                    sent = await _sent_counts(http, fake_url)
                    waiting = [o for o, p in passive.items() if p + sent.get(o, 0) == 0]
                    if not waiting or time.perf_counter() > settle_until:
                        break
                    await asyncio.sleep(1.0)
                settled_s = args.settle - max(0.0, settle_until - time.perf_counter())
            rows = await _inbound_counts(db_url)
        finally:
            service.send_signal(signal.SIGTERM)
            fake.send_signal(signal.SIGTERM)
            service.wait(timeout=30)
            fake.wait(timeout=30)
            redis.send_signal(signal.SIGCONT)
            redis.kill()
    answers = {r["openid"]: sent.get(r["openid"], 0) + int(r["passive"]) for r in results}
    return {
        "db": args.db,
        "fault": args.fault,
        "rate_per_s": args.rate,
        "outage_s": args.outage,
        "messages": total,
        "retried_by_wechat": sum(1 for r in results if r["attempts"] > 1),
        "wechat_gave_up": sum(1 for r in results if r.get("gave_up")),
        "lost (never recorded)": total - len(rows),
        "recorded twice": sum(1 for n in rows.values() if n > 1),
        "answered exactly once": sum(1 for n in answers.values() if n == 1),
        "answered twice or more": sum(1 for n in answers.values() if n > 1),
        "unanswered after settling": sum(1 for n in answers.values() if n == 0),
        "passive answers": sum(1 for r in results if r["passive"]),
        "seconds to settle": round(settled_s, 1),
    }


async def _inbound_counts(db_url: str) -> dict[int, int]:
    from sqlalchemy import text

    from bot.store.db import open_database

    db = open_database(db_url, bench_protection())
    try:
        rows = await db.read(
            lambda conn: conn.execute(
                text(
                    "SELECT wechat_msg_id, COUNT(*) FROM message WHERE direction = 'in' GROUP BY wechat_msg_id"
                )
            ).all()
        )
    finally:
        await db.close()
    return {int(r[0]): int(r[1]) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--fault", choices=["stall", "kill"], default="stall")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--before", type=float, default=5.0)
    parser.add_argument("--outage", type=float, default=20.0)
    parser.add_argument("--after", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=90.0)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
