"""The XML-edge fuzz for minutes, against the running service: only 2xx/4xx, never a 500, and no
half-written row afterwards.

    python -m benchmarks.edge_fuzz --db sqlite --duration 600
    python -m benchmarks.edge_fuzz --db postgres --duration 600   # LEGALAID_BENCH_POSTGRES_URL

`legalaid serve` and the fake WeChat API run as their own processes (benchmarks/service_processes.py).
`--concurrency` senders post (at most `--rate` a second) signed, AES-encrypted mutations of real WeChat messages
(tests/faults/xml_mutations.py, the suite's own generator, seeded by `--seed`), each from a citizen
of its own, for `--duration` seconds; every answer is counted by status. Afterwards the service
gets up to `--settle` seconds to finish what it accepted, and the database is read (read-only) for
half-written rows (benchmarks/row_invariants.py), plus one check of this fuzz's own: every citizen
row belongs to a body the service answered with 200 (a refused body writes nothing).
Passes when no status is 5xx or unexpected and every count is zero.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

import aiohttp
from sqlalchemy import text

from benchmarks.row_invariants import settle_and_check
from benchmarks.service_processes import ServiceProcesses, alias_of, percentile_ms, service_processes

EXPECTED = {200, 400, 403, 413}
REQUEST_TIMEOUT = 10.0


def _sender_of(xml: str) -> str | None:
    """The FromUserName a body names, read as the service reads it (None if it cannot be read)."""
    from bot.errors import BadWeChatRequest
    from bot.wechat.protocol import parse_xml_fields

    try:
        return parse_xml_fields(xml.encode("utf-8", "surrogatepass")).get("FromUserName")
    except (BadWeChatRequest, ValueError):
        return None


async def fuzz(svc: ServiceProcesses, args: argparse.Namespace) -> dict[str, Any]:
    from tests.faults.xml_mutations import mutation

    statuses: dict[str, int] = {}
    unexpected: list[dict[str, Any]] = []
    accepted_senders: set[str] = set()
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + args.duration
    counter = 0

    async def sender(http: aiohttp.ClientSession, worker: int) -> None:
        nonlocal counter
        rng = random.Random(args.seed * 1000 + worker)
        while time.perf_counter() < deadline:
            counter += 1
            await asyncio.sleep(max(0.0, began + counter / args.rate - time.perf_counter()))
            citizen = svc.citizen(http, f"o_fuzz_{counter:07d}")
            xml = mutation(citizen, rng)
            params, body = citizen.signed(xml)
            status, seconds = await svc.post_callback(http, params, body, REQUEST_TIMEOUT)
            latencies.append(seconds)
            statuses[status] = statuses.get(status, 0) + 1
            if status == "200":
                accepted_senders.add(_sender_of(xml) or "")
            elif not status.isdigit() or int(status) not in EXPECTED:
                if len(unexpected) < 10:
                    unexpected.append({"status": status, "xml": xml[:300]})

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(sender(http, w) for w in range(args.concurrency)))
    rows = await settle_and_check(svc.db_url, args.settle)
    stored = await _aliases(svc.db_url)
    accepted = {alias_of(s) for s in accepted_senders if s}
    rows["violations"].update(
        {"citizen written by a refused body": n}
        if (n := len(stored - accepted)) and "" not in accepted_senders
        else {}
    )
    if "" in accepted_senders:
        rows["note"] = "a body the benchmark could not read was accepted: citizen check skipped"
    return {
        "requests": sum(statuses.values()),
        "by_status": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "unexpected": unexpected,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "rows": rows,
    }


async def _aliases(db_url: str) -> set[str]:
    from benchmarks.postgres import bench_protection
    from bot.store.db import open_database

    db = open_database(db_url, bench_protection())
    try:
        return await db.read(
            lambda conn: {str(a) for a in conn.execute(text("SELECT alias FROM citizen")).scalars()}
        )
    finally:
        await db.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with service_processes(args.db, "fuzz") as svc:
        result = await fuzz(svc, args)
        tracebacks = svc.log_lines("Traceback", "request_failed", " 500 ")
    passed = (
        result["server_errors_5xx"] == 0 and not result["unexpected"] and not result["rows"]["violations"]
    )
    return {
        "db": args.db,
        "duration_s": args.duration,
        "rate_limit_per_s": args.rate,
        "concurrency": args.concurrency,
        "seed": args.seed,
        **result,
        "service_log_errors": tracebacks[:10],
        "verdict": "pass" if passed else "fail",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=200.0, help="at most this many bodies a second")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--settle", type=float, default=60.0)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
