"""A soak: a steady rate of citizens' messages for ten minutes, watching the serving process.

    python -m benchmarks.soak --db sqlite --rate 50 --duration 600
    python -m benchmarks.soak --db postgres --rate 50 --duration 600   # LEGALAID_BENCH_POSTGRES_URL

`legalaid serve` and the fake WeChat API run as their own processes (benchmarks/service_processes.py).
Signed, AES-encrypted text messages go out at `--rate` a second, from a mix of citizens: a
plain question and gone (45 %), a returning citizen who writes several turns with a pause
between them (40 %), and one who asks a question, writes 转人工 and writes again to the
consultant (15 %). Each citizen waits for the answer to one turn before the next, as people do.
Every `--interval` seconds (a minute by default) the service process is sampled from /proc:
RSS, CPU used (100 % = one core), open file descriptors, established TCP connections to PostgreSQL (5432) and Redis (6379);
with the p50/p99 callback latency and the errors (a non-200, or no answer within 5 s) of the
requests that finished in that interval. At the end the rows are checked for half-written ones
(benchmarks/row_invariants.py).

The verdict is "growth" when, from the second sample (the first one after warm-up: caches,
pools and the NLU are filled by then) to the last:
  - RSS grew by more than `--rss-growth` (10 %), or
  - open fds, PostgreSQL or Redis connections grew steadily: never fell from one sample to the
    next and ended more than 10 % and at least 3 above the second sample;
otherwise "steady". Errors and half-written rows are reported beside the verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.row_invariants import settle_and_check
from benchmarks.service_processes import ServiceProcesses, percentile_ms, process_sample, service_processes

REQUEST_TIMEOUT = 5.0  # WeChat gives up on a callback after 5 s
QUESTIONS = [
    "老板拖欠工资三个月了怎么办",
    "公司不签劳动合同，辞退我也不给补偿",
    "离婚后孩子的抚养权怎么判",
    "丈夫经常打我，我想离婚",
    "被车撞了，对方不肯赔医药费",
    "在工地上摔伤了，包工头不管",
    "申请法律援助需要什么条件",
    "父母年纪大了，子女不给赡养费",
    "房东不退押金怎么办",
    "我家里人被派出所带走了",
]
FOLLOW_UPS = [
    "我在这家公司干了两年多",
    "每个月工资三千块左右",
    "我家是低保户",
    "需要带什么材料去",
    "你们的地址在哪里",
    "大概要多久能有结果",
    "好的",
]
TO_THE_CONSULTANT = ["我等你们的回复", "我手机一直开着，麻烦尽快联系我", "还有人在吗"]


@dataclass(order=True)
class Conversation:
    """One citizen's script; `due` is when they write their next turn."""

    due: float
    openid: str = field(compare=False)
    turns: list[str] = field(compare=False)


def new_conversation(rng: random.Random, number: int, now: float) -> Conversation:
    """A plain question (45 %), a returning citizen (40 %) or one who asks for a human (15 %)."""
    question = rng.choice(QUESTIONS)
    draw = rng.random()
    if draw < 0.45:
        turns = [question]
    elif draw < 0.85:
        turns = [question, *rng.sample(FOLLOW_UPS, rng.randint(2, 4)), "谢谢"]
    else:
        turns = [question, "转人工", rng.choice(TO_THE_CONSULTANT)]
    return Conversation(now, f"o_soak_{number:07d}", turns)


class Window:
    """What one sampling interval saw."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}

    def add(self, latency: float, outcome: str) -> None:
        self.latencies.append(latency)
        if outcome != "200":
            self.errors[outcome] = self.errors.get(outcome, 0) + 1


async def soak(svc: ServiceProcesses, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    numbers = itertools.count()
    waiting: list[Conversation] = []  # a heap by due time: citizens between turns
    tasks: set[asyncio.Task[None]] = set()
    windows = [Window()]
    every: list[float] = []
    errors: dict[str, int] = {}

    async def say(http: aiohttp.ClientSession, talk: Conversation) -> None:
        citizen = svc.citizen(http, talk.openid)
        params, body = citizen.signed(citizen.text_xml(talk.turns.pop(0)))
        outcome, latency = await svc.post_callback(http, params, body, REQUEST_TIMEOUT)
        windows[-1].add(latency, outcome)
        every.append(latency)
        if outcome != "200":
            errors[outcome] = errors.get(outcome, 0) + 1
        if talk.turns:  # reads the answer, thinks, writes again
            talk.due = time.perf_counter() + rng.uniform(args.pause / 2, args.pause * 1.5)
            heapq.heappush(waiting, talk)

    samples: list[dict[str, Any]] = []
    began = time.perf_counter()
    baseline = process_sample(svc.pid)

    async def sampler() -> None:
        for k in itertools.count(1):
            at = began + k * args.interval
            if at > began + args.duration + 0.5:
                return
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            window = windows[-1]
            windows.append(Window())
            sample = process_sample(svc.pid)
            used = sample["cpu_s"] - (samples[-1] if samples else baseline)["cpu_s"]
            samples.append(
                {
                    "at_s": round(time.perf_counter() - began),
                    **sample,
                    "cpu_pct": round(100 * used / args.interval),
                    "requests": len(window.latencies),
                    "p50_ms": percentile_ms(window.latencies, 0.50),
                    "p99_ms": percentile_ms(window.latencies, 0.99),
                    "errors": window.errors,
                }
            )

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
        watching = asyncio.create_task(sampler())
        total = int(args.rate * args.duration)
        for i in range(total):
            await asyncio.sleep(max(0.0, began + i / args.rate - time.perf_counter()))
            now = time.perf_counter()
            if waiting and waiting[0].due <= now:
                talk = heapq.heappop(waiting)
            else:
                talk = new_conversation(rng, next(numbers), now)
            task = asyncio.create_task(say(http, talk))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        await watching
    return {
        "baseline": baseline,
        "samples": samples,
        "messages": len(every),
        "citizens": next(numbers),
        "p50_ms": percentile_ms(every, 0.50),
        "p99_ms": percentile_ms(every, 0.99),
        "errors": errors,
    }


def _grew_steadily(values: list[int]) -> bool:
    rising = all(b >= a for a, b in itertools.pairwise(values))
    return rising and values[-1] - values[0] > max(3, values[0] * 0.10)


def verdict(samples: list[dict[str, Any]], rss_growth: float) -> tuple[str, list[str]]:
    """The rule in the module's docstring, from the second sample to the last."""
    watched = samples[1:]
    if len(watched) < 2:
        return "too short", ["fewer than three samples: nothing to compare"]
    reasons = []
    first, last = watched[0], watched[-1]
    if last["rss_mb"] > first["rss_mb"] * (1 + rss_growth):
        reasons.append(f"RSS {first['rss_mb']} MB -> {last['rss_mb']} MB (> {rss_growth:.0%})")
    for name in ("open_fds", "tcp_postgres", "tcp_redis"):
        values = [s[name] for s in watched]
        if _grew_steadily(values):
            reasons.append(f"{name} grew steadily: {values}")
    return ("growth" if reasons else "steady"), reasons


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with service_processes(args.db, "soak") as svc:
        result = await soak(svc, args)
        rows = await settle_and_check(svc.db_url, args.settle)
        failures = svc.log_lines("request_failed")
    outcome, reasons = verdict(result["samples"], args.rss_growth)
    return {
        "db": args.db,
        "rate_per_s": args.rate,
        "duration_s": args.duration,
        "interval_s": args.interval,
        **result,
        "rows": rows,
        "service_request_failures": failures[:10],
        "verdict": outcome,
        "verdict_reasons": reasons,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=50.0, help="messages a second")
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--pause", type=float, default=10.0, help="a citizen's mean pause between turns (s)")
    parser.add_argument("--rss-growth", type=float, default=0.10)
    parser.add_argument("--settle", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=20261207)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
