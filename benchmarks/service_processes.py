"""The service under a benchmark, as processes: `legalaid serve` and the fake WeChat API, started
on free ports with a fresh database, plus what a long run watches in the serving process.

The soak, the handoff burst and the edge fuzz all start the service the same way; the pieces come
from benchmarks/wechat_callback.py (ports, readiness, the account's token and appid). PostgreSQL
runs use `LEGALAID_BENCH_POSTGRES_URL` (a database of your own; it is emptied first) and the
shared Redis under a prefix of their own, deleted afterwards.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.postgres import bench_protection, reset_postgres
from benchmarks.wechat_callback import (
    APPID,
    POSTGRES_URL,
    REDIS_URL,
    TOKEN,
    _free_ports,
    _wait_ready,
    service_env,
)

POSTGRES_ENV = "LEGALAID_BENCH_POSTGRES_URL"
POSTGRES_PORT = 5432
REDIS_PORT = 6379


def bench_postgres_url() -> str:
    return os.environ.get(POSTGRES_ENV, POSTGRES_URL)


@dataclass
class ServiceProcesses:
    """A running `legalaid serve` with its fake WeChat API; `log` holds the service's own output."""

    url: str
    fake_url: str
    db_url: str
    aes_key: str
    env: dict[str, str]
    service: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.service.pid

    def citizen(self, http: aiohttp.ClientSession, openid: str) -> Any:
        from bot.wechat.citizen_simulator import CitizenSimulator

        return CitizenSimulator(http, self.url, token=TOKEN, openid=openid, aes_key=self.aes_key, appid=APPID)

    async def post_callback(
        self, http: aiohttp.ClientSession, params: dict[str, str], body: bytes, timeout: float
    ) -> tuple[str, float]:
        """POST one signed body to /wechat as WeChat does: the status (or the client error's
        name, a timeout included) and the seconds it took."""
        started = time.perf_counter()
        try:
            async with http.post(
                self.url + "/wechat", params=params, data=body, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as resp:
                await resp.read()
                outcome = str(resp.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            outcome = type(exc).__name__
        return outcome, time.perf_counter() - started

    def command(self, *args: str, stdin: str = "") -> str:
        """A `legalaid` command against the service's database (e.g. `user add`), its output."""
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env=self.env,
            input=stdin.encode(),
            capture_output=True,
            check=True,
        )
        return done.stdout.decode()

    def log_lines(self, *words: str) -> list[str]:
        """The service's log lines holding any of `words` (e.g. a 500's traceback)."""
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if any(w in line for w in words)]


def _start_logged(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


@asynccontextmanager
async def service_processes(
    db: str, name: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[ServiceProcesses]:
    """Start the service on `db` ("sqlite" or "postgres"); stop it (SIGTERM) and clean up after."""
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    prefix = f"bench:{name}:{secrets.token_hex(4)}:"
    logs = Path(tempfile.mkdtemp(prefix=f"legalaid-{name}-"))
    with tempfile.TemporaryDirectory() as tmp:
        fake_port, port = _free_ports(2)
        env = service_env(aes_key, fake_port, prefix)
        if db == "sqlite":
            env["LEGALAID_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/{name}.db"
        else:
            env["LEGALAID_DATABASE_URL"] = bench_postgres_url()
            env["LEGALAID_REDIS_URL"] = REDIS_URL
            await reset_postgres(env["LEGALAID_DATABASE_URL"])
        env.update(extra_env or {})
        # The fake API serves the service's own account (its appid), so its tokens are granted.
        fake = _start_logged(
            [sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)],
            env,
            logs / "fake-wechat.log",
        )
        service = _start_logged(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env, logs / "serve.log"
        )
        running = ServiceProcesses(
            url=f"http://127.0.0.1:{port}",
            fake_url=f"http://127.0.0.1:{fake_port}",
            db_url=env["LEGALAID_DATABASE_URL"],
            aes_key=aes_key,
            env=env,
            service=service,
            log=logs / "serve.log",
        )
        try:
            await _wait_ready(running.url)
            await _wait_ready(running.fake_url)
            yield running
        finally:
            for process in (service, fake):
                process.send_signal(signal.SIGTERM)
            for process in (service, fake):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if db == "postgres":
                await _forget_redis_keys(prefix)


async def _forget_redis_keys(prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


# ---- what a long run watches in the serving process -------------------------------------
def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _established_peers(pid: int, inodes: set[str]) -> list[int]:
    """Remote ports of the process's established TCP connections (/proc/<pid>/net/tcp{,6})."""
    ports = []
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                ports.append(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def process_sample(pid: int) -> dict[str, float]:
    """RSS, CPU seconds used so far, open file descriptors and TCP connections (to PostgreSQL, to
    Redis, others) of `pid`."""
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    # utime and stime, fields 14 and 15 of /proc/<pid>/stat (counted after the command's parentheses)
    ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
    peers = _established_peers(pid, _socket_inodes(pid))
    return {
        "rss_mb": round(rss_kb / 1024, 1),
        "cpu_s": round(sum(int(t) for t in ticks) / os.sysconf("SC_CLK_TCK"), 1),
        "open_fds": fds,
        "tcp_postgres": peers.count(POSTGRES_PORT),
        "tcp_redis": peers.count(REDIS_PORT),
        "tcp_other": sum(1 for p in peers if p not in (POSTGRES_PORT, REDIS_PORT)),
    }


# ---- figures --------------------------------------------------------------------------
def percentile_ms(seconds: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile in milliseconds (None for no samples)."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    rank = max(1, -(-len(ordered) * share // 1))
    return round(ordered[int(rank) - 1] * 1000, 1)


@functools.cache
def _protection() -> Any:
    return bench_protection()


def alias_of(openid: str) -> str:
    """The citizen's alias as the service stores it (the benchmarks' fixed alias key)."""
    return str(_protection().index.citizen_alias(openid))
