"""`python -m benchmarks.deadline_timers`: the command line, running each database's variants.

The plan is drawn once and replayed for every database and worker count; each database's table
goes to stdout as soon as its variants are done, progress to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile

from benchmarks import deadline_timers
from benchmarks.deadline_timers.plan import make_plan
from benchmarks.deadline_timers.table import table
from benchmarks.deadline_timers.variant import REPO_ROOT, variant

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_h3"


def _quiet_logs() -> None:
    """Production's structlog pipeline at INFO (its CPU counts), written to /dev/null."""
    import structlog

    from bot.log import configure_logging

    configure_logging("json", "INFO")
    sink = open(os.devnull, "w")  # kept open for the process
    structlog.configure(logger_factory=lambda *_a: structlog.PrintLogger(sink))


async def run(args: argparse.Namespace) -> None:
    from bot.center.center import load_center

    _quiet_logs()
    center = load_center(REPO_ROOT / "data")
    service, codes = center.service, sorted(center.specialties.names)
    plan = make_plan(args.handoffs, args.seed, service.points, codes)
    targets = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for target in targets:
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/deadlines.db" if target == "sqlite" else args.pg_url
            for count in args.workers:
                if target == "sqlite" and count > 1:
                    # A fresh file: the second worker is a second engine on the same file.
                    url = f"sqlite+aiosqlite:///{tmp}/deadlines-{count}.db"
                print(f"[{target}] {count} worker(s): loading and simulating …", file=sys.stderr, flush=True)
                results.append(await variant(url, count, plan, args))
        print(table("SQLite" if target == "sqlite" else "PostgreSQL", results, args))
        print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.deadline_timers",
        description=deadline_timers.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--handoffs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--interval", type=float, default=5.0, help="deadline_sweep_seconds (default 5)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="variants to run (default: 1 and 2 workers)"
    )
    parser.add_argument("--pg-url", default=POSTGRES_URL, help="its schema public is dropped and recreated")
    parser.add_argument("--frozen-clock", action="store_true", help="the clock stands still during a sweep")
    parser.add_argument(
        "--old-rearm",
        action="store_true",
        help="bot/app.py before 29d4a6a: a step that fell due during the sweep waits for the next tick",
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
