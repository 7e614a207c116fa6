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


def _requests(aes_key: str, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Pre-built signed AES text messages from distinct openids (built before timing starts)."""
    from bot.wechat.citizen_simulator import CitizenSimulator

    prepared = []
    for i in range(count):
        citizen = CitizenSimulator(
            None, "", token=TOKEN, openid=f"o_bench_{i:07d}", aes_key=aes_key, appid=APPID
        )  # type: ignore[arg-type]
        prepared.append(citizen.signed(citizen.text_xml("老板拖欠工资三个月了怎么办", msg_id=10_000_000 + i)))
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
    results: dict = {"concurrency": args.concurrency, "duration_s": args.duration, "db": args.db}
    results["workers"] = args.workers
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
        env = dict(base_env)
        env.update(
            **BENCH_KEY_ENV,
            LEGALAID_WECHAT_TOKEN=TOKEN,
            LEGALAID_WECHAT_AES_KEY=aes_key,
            LEGALAID_WECHAT_APPID=APPID,
            LEGALAID_WECHAT_API_BASE=f"http://127.0.0.1:{fake_port}",
            LEGALAID_LOG_LEVEL="WARNING",
            LEGALAID_REDIS_PREFIX=f"bench:{secrets.token_hex(4)}:",
        )
        if args.db == "sqlite":
            env["LEGALAID_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
        else:
            env["LEGALAID_DATABASE_URL"] = POSTGRES_URL
            env["LEGALAID_REDIS_URL"] = REDIS_URL
            await reset_postgres(POSTGRES_URL)
        fake = _start([sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)], base_env)
        service = _start(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
            env,
        )
        try:
            await _wait_ready(f"http://127.0.0.1:{port}")
            warm = _requests(aes_key, 500)
            for params, _ in warm:
                params["openid"] = "warm"
            await load(
                f"http://127.0.0.1:{port}",
                [(p, b.replace(b"o_bench", b"o_warm_")) for p, b in warm],
                args.concurrency,
                2,
            )
            prepared = _requests(aes_key, per_run + 500)[500:]
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
