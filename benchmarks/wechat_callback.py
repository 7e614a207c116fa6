"""Callback throughput and latency: the service against a bare aiohttp handler, same run.

    python -m benchmarks.wechat_callback --duration 20 --concurrency 64 --db sqlite
    python -m benchmarks.wechat_callback --duration 20 --concurrency 64 --db postgres

The bare handler only verifies the signature, decrypts the message and returns a fixed
encrypted reply: the floor any WeChat service pays. Load is bounded (count and time) and sent
to 127.0.0.1 only. Each server runs in its own process; the load generator in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import aiohttp
from aiohttp import web

from benchmarks.postgres import BENCH_KEY_ENV, reset_postgres

TOKEN = "bench-token"
APPID = "wxbench000000000"
POSTGRES_URL = os.environ.get(
    "LEGALAID_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = "redis://127.0.0.1:6379/0"


def outside_env() -> dict[str, str]:
    """This process's environment without any LEGALAID_ setting, so a run sets every one itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}


def service_env(aes_key: str, fake_port: int, prefix: str, **settings: str) -> dict[str, str]:
    """The environment `legalaid serve` runs with in a benchmark: the bench keys, the account,
    the fake WeChat API on `fake_port`, quiet logs, a Redis prefix of its own; `settings` add to it."""
    env = dict(
        outside_env(),
        **BENCH_KEY_ENV,
        LEGALAID_WECHAT_TOKEN=TOKEN,
        LEGALAID_WECHAT_AES_KEY=aes_key,
        LEGALAID_WECHAT_APPID=APPID,
        LEGALAID_WECHAT_API_BASE=f"http://127.0.0.1:{fake_port}",
        LEGALAID_LOG_LEVEL="WARNING",
        LEGALAID_REDIS_PREFIX=prefix,
    )
    env.update(settings)
    return env


def _free_ports(count: int) -> list[int]:
    """Distinct free ports (all sockets held open until every port is chosen)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


# ---- the bare handler ------------------------------------------------------------------
def bare_app(aes_key: str) -> web.Application:
    from bot.wechat.protocol import SafeMode, check_signature, parse_xml_fields, render_text_reply

    mode = SafeMode(TOKEN, aes_key, APPID)

    async def receive(request: web.Request) -> web.Response:
        q = request.query
        outer = parse_xml_fields(await request.read())
        check_signature((TOKEN, q["timestamp"], q["nonce"], outer["Encrypt"]), q["msg_signature"])
        fields = parse_xml_fields(mode.decrypt(outer["Encrypt"]))
        reply = render_text_reply(fields["FromUserName"], fields["ToUserName"], "收到", int(q["timestamp"]))
        return web.Response(text=mode.encrypt_reply(reply, q["nonce"], q["timestamp"]))

    app = web.Application()
    app.router.add_post("/wechat", receive)
    return app


def serve_bare(port: int, aes_key: str) -> None:
    web.run_app(bare_app(aes_key), host="127.0.0.1", port=port, print=None, access_log=None)


# ---- load ----------------------------------------------------------------------------
async def _wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(url + "/healthz") as resp:
                    if resp.status in (200, 404):  # the bare handler has no /healthz: 404 means it is up
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


# Details a citizen adds, so no two benchmark messages are the same text (a parse cache must
# not make the figures look better than a morning of real, mostly unique questions).
_DETAILS = (
    "我在外地打工",
    "家里困难",
    "已经{n}个月了",
    "大概{n}千元",
    "对方一直不理",
    "我今年{n}十岁了",
    "怎么办",
)


def citizen_texts(count: int, seed: int = 15) -> list[str]:
    """`count` distinct questions: the training examples in a fixed shuffled order, each with a detail."""
    import random
    from pathlib import Path

    from bot.nlu.training_data import load_training_data

    examples = [
        text for text, _ in load_training_data(Path(__file__).resolve().parent.parent / "nlu_data").examples
    ]
    rng = random.Random(seed)
    rng.shuffle(examples)
    texts = []
    for i in range(count):
        detail = _DETAILS[i % len(_DETAILS)].format(n=2 + i % 7)
        texts.append(f"{examples[i % len(examples)]}，{detail}（{i}）")
    return texts


def _requests(
    aes_key: str, count: int, citizens: int = 200, first: int = 0
) -> list[tuple[dict[str, str], bytes]]:
    """Pre-built signed AES text messages (built before timing starts): `citizens` followers
    writing in turn, each message a distinct question; `first` skips what a warm-up sent."""
    from bot.wechat.citizen_simulator import CitizenSimulator

    simulators = [
        CitizenSimulator(None, "", token=TOKEN, openid=f"o_bench_{i:07d}", aes_key=aes_key, appid=APPID)  # type: ignore[arg-type]
        for i in range(citizens)
    ]
    prepared = []
    for i, text in enumerate(citizen_texts(first + count)[first:], start=first):
        citizen = simulators[i % citizens]
        prepared.append(citizen.signed(citizen.text_xml(text, msg_id=10_000_000 + i)))
    return prepared


async def load(
    url: str, prepared: list[tuple[dict[str, str], bytes]], concurrency: int, duration: float
) -> dict:
    latencies: list[float] = []
    errors = 0
    index = 0
    deadline = time.perf_counter() + duration

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal index, errors
        while time.perf_counter() < deadline and index < len(prepared):
            params, body = prepared[index]
            index += 1
            start = time.perf_counter()
            try:
                async with http.post(url + "/wechat", params=params, data=body) as resp:
                    await resp.read()
                    ok = resp.status == 200
            except aiohttp.ClientError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    name = "bare" if "--serve-bare" in cmd else cmd[3]
    log = open(os.path.join(tempfile.gettempdir(), f"legalaid-bench-{name}.log"), "wb")
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


async def run(args: argparse.Namespace) -> dict:
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    per_run = int(args.max_rps * args.duration)
    results: dict = {
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "db": args.db,
        "citizens": args.citizens,
        "workers": args.workers,
    }
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    with tempfile.TemporaryDirectory() as tmp:
        # Bare handler.
        [port] = _free_ports(1)
        bare = _start(
            [sys.executable, "-m", "benchmarks.wechat_callback", "--serve-bare", str(port), aes_key], base_env
        )
        try:
            await _wait_ready(f"http://127.0.0.1:{port}")
            await load(f"http://127.0.0.1:{port}", _requests(aes_key, 500), args.concurrency, 2)  # warm-up
            results["bare"] = await load(
                f"http://127.0.0.1:{port}", _requests(aes_key, per_run), args.concurrency, args.duration
            )
        finally:
            bare.terminate()
            bare.wait()
        # The service: fake WeChat API + legalaid serve.
        fake_port, port = _free_ports(2)
        env = service_env(aes_key, fake_port, f"bench:{secrets.token_hex(4)}:")
        if args.db == "sqlite":
            env["LEGALAID_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
        else:
            env["LEGALAID_DATABASE_URL"] = POSTGRES_URL
            env["LEGALAID_REDIS_URL"] = REDIS_URL
            await reset_postgres(POSTGRES_URL)
        # The fake serves the service's appid; with the demo's, every token request is refused.
        fake_env = dict(base_env, LEGALAID_WECHAT_APPID=APPID)
        fake = _start([sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)], fake_env)
        workers = ["--workers", str(args.workers)] if args.workers > 1 else []  # older trees lack it
        service = _start([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), *workers], env)
        try:
            await _wait_ready(f"http://127.0.0.1:{port}")
            # The warm-up's 500 messages come from the same followers: during the run they are
            # returning citizens with a conversation (and some with a handoff) under way.
            warm = _requests(aes_key, 500, citizens=args.citizens)
            await load(f"http://127.0.0.1:{port}", warm, args.concurrency, 2)
            prepared = _requests(aes_key, per_run, citizens=args.citizens, first=500)
            results["service"] = await load(
                f"http://127.0.0.1:{port}", prepared, args.concurrency, args.duration
            )
        finally:
            service.terminate()
            fake.terminate()
            service.wait()
            fake.wait()
    results["throughput_ratio"] = round(
        results["service"]["throughput_rps"] / results["bare"]["throughput_rps"], 3
    )
    return results


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--citizens", type=int, default=200, help="followers writing in turn")
    parser.add_argument(
        "--workers", type=int, default=1, help="`legalaid serve --workers N` (N > 1 needs --db postgres)"
    )
    parser.add_argument(
        "--max-rps", type=int, default=3000, help="upper bound on requests prepared per second"
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        print(json.dumps(asyncio.run(run(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
