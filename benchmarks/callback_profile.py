"""Where a callback's CPU goes: the service under py-spy while the callback benchmark's load runs.

    pip install -e '.[bench]'        # py-spy
    python -m benchmarks.callback_profile --db sqlite --duration 10 --out /tmp/sqlite.txt
    python -m benchmarks.callback_profile --db postgres --duration 10 --out /tmp/pg.txt

py-spy samples only the threads holding the GIL (`--gil`): the service is one Python process, so
GIL time is its CPU budget per message. The summary groups the load's samples by the innermost
frame of our own code (bot/, handoff/, console/, scheduler/), so a library's cost is charged to
the line of ours that called it; start-up (imports, migrations, loading the NLU) is left out.
The raw samples stay in `--out` for a flame graph. benchmarks/README.md keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

from benchmarks.postgres import reset_postgres
from benchmarks.wechat_callback import (
    APPID,
    REDIS_URL,
    _free_ports,
    _requests,
    _wait_ready,
    load,
    outside_env,
    service_env,
)

OURS = re.compile(r"\((bot|handoff|console|scheduler)/")
STARTUP = ("_find_and_load", "load_or_train", "_upgrade", "upgrade_schema")


def summarize(raw_path: str, top: int) -> dict:
    """Share of the load's GIL samples per innermost frame of our code (see the module doc)."""
    charged: collections.Counter[str] = collections.Counter()
    total = 0
    with open(raw_path, encoding="utf-8") as raw:
        for line in raw:
            stack, _, count = line.rstrip().rpartition(" ")
            serving = "run_app (" in stack or "_WorkItem" in stack
            if not stack or not serving or any(mark in stack for mark in STARTUP):
                continue
            frames = stack.split(";")
            ours = [frame for frame in frames if OURS.search(frame)]
            where = ours[-1] if ours else "library: " + frames[-1]
            charged[re.sub(r":\d+\)", ")", where)] += int(count)
            total += int(count)
    return {
        "samples": total,
        "top": [{"share_pct": round(100 * n / total, 1), "where": w} for w, n in charged.most_common(top)],
    }


async def profile(args: argparse.Namespace) -> dict:
    py_spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(py_spy):
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    fake_port, port = _free_ports(2)
    base_env = outside_env()
    env = service_env(aes_key, fake_port, f"bench:{secrets.token_hex(4)}:")
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "sqlite":
            env["LEGALAID_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
        else:
            url = os.environ.get(
                "LEGALAID_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            )
            env.update(LEGALAID_DATABASE_URL=url, LEGALAID_REDIS_URL=REDIS_URL)
            await reset_postgres(url)
        quiet = subprocess.DEVNULL
        fake = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)],
            env=dict(base_env, LEGALAID_WECHAT_APPID=APPID),  # else every token request is refused
            stdout=quiet,
            stderr=quiet,
        )
        serve = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        spy = subprocess.Popen(
            [py_spy, "record", "--gil", "-r", "200", "-f", "raw", "-o", args.out, "--", *serve],
            env=env,
            stdout=quiet,
            stderr=quiet,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            await _wait_ready(url)
            warm = await load(url, _requests(aes_key, 500, citizens=args.citizens), args.concurrency, 2)
            figures = await load(
                url,
                _requests(aes_key, 3000 * int(args.duration), citizens=args.citizens, first=500),
                args.concurrency,
                args.duration,
            )
        finally:
            service = subprocess.run(
                ["pgrep", "-P", str(spy.pid)], capture_output=True, text=True
            ).stdout.split()
            for pid in service:
                os.kill(int(pid), signal.SIGINT)
            spy.wait(timeout=60)
            fake.terminate()
            fake.wait()
    summary = summarize(args.out, args.top)
    # 200 samples a second: each is 5 ms of GIL time; the warm-up's messages were sampled too.
    per_message = summary["samples"] * 5.0 / (warm["requests"] + figures["requests"])
    return {"db": args.db, "load": figures, "gil_ms_per_message": round(per_message, 2), "profile": summary}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "legalaid-callback-profile.txt"))
    parser.add_argument("--summarize", metavar="RAW", help="only summarize an earlier raw profile")
    args = parser.parse_args()
    if args.summarize:
        print(json.dumps(summarize(args.summarize, args.top), indent=2, ensure_ascii=False))
        return
    print(json.dumps(asyncio.run(profile(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
