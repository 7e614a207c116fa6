"""500 new handoffs in one minute, with a consultant's console open on the live stream.

    python -m benchmarks.handoff_burst --db sqlite --handoffs 500 --duration 60
    python -m benchmarks.handoff_burst --db postgres --handoffs 500   # LEGALAID_BENCH_POSTGRES_URL

`legalaid serve` and the fake WeChat API run as their own processes (benchmarks/service_processes.py).
A consultant serving every queue (specialty `general`) is created with `legalaid user add`, logs
in through /api/session and opens the live stream (/api/handoffs/stream, SSE). Then `--handoffs`
citizens, spread evenly over `--duration` seconds, each write a legal question and, once it is
answered, 转人工. Measured:
  - whether every handoff reached the queue, counted through the console API (/api/handoffs,
    one list per specialty, matched to the citizens by their alias);
  - from sending 转人工 to its `opened` event on the live stream: p50/p99 (and any never seen
    within `--settle` seconds);
  - the callbacks' p50/p99 during the burst, and errors (a non-200, or no answer within 5 s);
  - half-written rows afterwards (benchmarks/row_invariants.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
from typing import Any

import aiohttp

from benchmarks.row_invariants import settle_and_check
from benchmarks.service_processes import ServiceProcesses, alias_of, percentile_ms, service_processes

REQUEST_TIMEOUT = 5.0
CONSULTANT = "bench_consultant"
QUESTIONS = [
    "老板拖欠工资三个月了怎么办",
    "离婚后孩子的抚养权怎么判",
    "被车撞了，对方不肯赔医药费",
    "父母年纪大了，子女不给赡养费",
    "房东不退押金怎么办",
]


class LiveStream:
    """The console's SSE stream: when each handoff's `opened` event arrived."""

    def __init__(self) -> None:
        self.opened_at: dict[int, float] = {}
        self.events = 0
        self.connected = asyncio.Event()

    async def follow(self, console: aiohttp.ClientSession, url: str) -> None:
        async with console.get(
            url + "/api/handoffs/stream", timeout=aiohttp.ClientTimeout(total=None)
        ) as resp:
            if resp.status != 200:
                raise RuntimeError(f"live stream refused: {resp.status}")
            async for raw in resp.content:
                line = raw.decode().strip()
                if line == ": connected":
                    self.connected.set()
                elif line.startswith("data: "):
                    change = json.loads(line[6:])
                    self.events += 1
                    if change.get("type") == "opened":
                        self.opened_at.setdefault(int(change["handoff_id"]), time.perf_counter())


async def _console_session(svc: ServiceProcesses) -> aiohttp.ClientSession:
    password = secrets.token_urlsafe(16)
    svc.command("user", "add", CONSULTANT, "--role", "consultant", "--specialty", "general",
                "--password-stdin", stdin=password + "\n")  # fmt: skip
    console = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with console.post(
        svc.url + "/api/session", json={"username": CONSULTANT, "password": password}
    ) as resp:
        body = await resp.json()
        if resp.status != 200:
            await console.close()
            raise RuntimeError(f"console login refused: {resp.status} {body}")
    return console


async def _queue_aliases(console: aiohttp.ClientSession, url: str) -> dict[str, int]:
    """Open items by citizen alias, through the console API (one list per specialty: a list holds 500)."""
    async with console.get(url + "/api/specialties") as resp:
        specialties = [s["code"] for s in (await resp.json())["items"]]
    found: dict[str, int] = {}
    for code in specialties:
        async with console.get(url + "/api/handoffs", params={"status": "open", "specialty": code}) as resp:
            if resp.status != 200:
                raise RuntimeError(f"queue list refused: {resp.status}")
            for item in (await resp.json())["items"]:
                found[item["citizen"]] = int(item["id"])
    return found


async def burst(svc: ServiceProcesses, args: argparse.Namespace) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    asked_at: dict[str, float] = {}  # openid -> when 转人工 was sent

    async def post(http: aiohttp.ClientSession, openid: str, words: str) -> bool:
        citizen = svc.citizen(http, openid)
        params, body = citizen.signed(citizen.text_xml(words))
        if words == "转人工":
            asked_at[openid] = time.perf_counter()
        outcome, seconds = await svc.post_callback(http, params, body, REQUEST_TIMEOUT)
        latencies.append(seconds)
        if outcome != "200":
            errors[outcome] = errors.get(outcome, 0) + 1
        return outcome == "200"

    async def citizen_asks(http: aiohttp.ClientSession, i: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        openid = f"o_burst_{i:06d}"
        await post(http, openid, QUESTIONS[i % len(QUESTIONS)])
        await post(http, openid, "转人工")

    stream = LiveStream()
    console = await _console_session(svc)
    following = asyncio.create_task(stream.follow(console, svc.url))
    try:
        await asyncio.wait_for(stream.connected.wait(), 10)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as http:
            began = time.perf_counter()
            step = args.duration / args.handoffs
            await asyncio.gather(*(citizen_asks(http, i, began + i * step) for i in range(args.handoffs)))
            burst_s = time.perf_counter() - began
        settle_until = time.perf_counter() + args.settle
        while len(stream.opened_at) < args.handoffs and time.perf_counter() < settle_until:
            await asyncio.sleep(0.2)
        queued = await _queue_aliases(console, svc.url)
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
        await console.close()
    handoff_of = {openid: queued.get(alias_of(openid)) for openid in asked_at}
    to_stream = [
        stream.opened_at[hid] - asked_at[openid]
        for openid, hid in handoff_of.items()
        if hid is not None and hid in stream.opened_at
    ]
    return {
        "burst_s": round(burst_s, 1),
        "handoffs_asked": len(asked_at),
        "reached_queue": sum(1 for hid in handoff_of.values() if hid is not None),
        "queue_open_items": len(queued),
        "seen_on_stream": len(to_stream),
        "stream_events": stream.events,
        "to_stream_p50_ms": percentile_ms(to_stream, 0.50),
        "to_stream_p99_ms": percentile_ms(to_stream, 0.99),
        "to_stream_max_ms": percentile_ms(to_stream, 1.0),
        "callbacks": len(latencies),
        "callback_p50_ms": percentile_ms(latencies, 0.50),
        "callback_p99_ms": percentile_ms(latencies, 0.99),
        "errors": errors,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with service_processes(args.db, "burst") as svc:
        result = await burst(svc, args)
        rows = await settle_and_check(svc.db_url, args.settle)
        failures = svc.log_lines("request_failed")
    whole = (
        result["reached_queue"] == args.handoffs
        and result["seen_on_stream"] == args.handoffs
        and not result["errors"]
        and not rows["violations"]
    )
    return {
        "db": args.db,
        "handoffs": args.handoffs,
        "duration_s": args.duration,
        **result,
        "rows": rows,
        "service_request_failures": failures[:10],
        "verdict": "pass" if whole else "fail",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--handoffs", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0, help="the burst's length (s)")
    parser.add_argument("--settle", type=float, default=30.0)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
