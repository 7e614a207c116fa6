"""`legalaid serve`: the listening socket, and with `--workers N` the parent that keeps N workers.

Why one socket opened by the parent and inherited by each worker, not SO_REUSEPORT sockets bound
in each worker:
- the port is checked once, before anything starts: a busy port is one plain error. With
  SO_REUSEPORT a second `legalaid serve` started by mistake under the same user (another release,
  another configuration) would silently take a share of the traffic instead;
- the accept queue belongs to the one socket, so connections waiting in it survive a worker's
  death and are taken by the others or its replacement (a closed SO_REUSEPORT socket drops the
  connections queued on it), and a stopping worker simply stops accepting;
- each worker is a fresh interpreter (subprocess with `pass_fds`), not a fork: the parent stays
  small (it never imports the app or the NLU, ~200 MB), and nothing forks a process whose
  libraries may hold threads or open connections.

Only the parent migrates; workers start with `migrate=False`. Every worker runs the periodic
sweeps: each step they take is a conditional update on PostgreSQL (scheduler/alarm.py), so
several workers fire each reminder, retry and breach once.

A worker that dies is logged and restarted: one crash (a killed process, a lost connection at
start) must not take the service down. A worker that keeps dying within seconds of its start
means the configuration or a dependency is broken: after a few such deaths in a row the parent
stops the others and exits 1, so systemd (or whoever started it) sees the failure.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import structlog

from bot.errors import ConfigurationError, PortUnavailable
from bot.settings import Settings

log = structlog.get_logger(__name__)
# A worker that dies sooner than this after its start counts as failing to start.
EARLY_DEATH_SECONDS = 20.0
EARLY_DEATHS_BEFORE_GIVING_UP = 3
RESTART_PAUSE_SECONDS = 1.0
# How long stopping workers may finish their requests (aiohttp's own limit is 60 s; the live
# streams end within a second of shutdown), before they are killed.
STOP_GRACE_SECONDS = 30.0
POLL_SECONDS = 0.2


def listen(port: int, *, serves: str, flag: str, host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on host:port, or one plain sentence naming the port and the flag that moves it."""
    try:
        return socket.create_server((host, port))
    except OSError as exc:
        problem = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
        raise PortUnavailable(
            f"port {port} {problem}, so {serves} cannot listen on {host}:{port}. "
            f"Stop the program using it, or move {serves} to another port with {flag}."
        ) from None


def refusal(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot share this configuration, in one line; None when they can.

    Several workers need one database they can all write at once and one Redis they all see:
    a SQLite file admits one writer (and one service: its lock file), and the in-process Redis
    substitute would give each worker its own dedup markers, locks and live feed."""
    if workers < 1:
        return f"--workers must be at least 1, not {workers}"
    if workers == 1:
        return None
    if settings.database_url.startswith("sqlite"):
        return (
            f"--workers {workers} needs PostgreSQL (LEGALAID_DATABASE_URL) and a shared Redis "
            "(LEGALAID_REDIS_URL); the database is SQLite, which serves one worker: use --workers 1"
        )
    if not settings.redis_url:
        return (
            f"--workers {workers} needs a shared Redis: set LEGALAID_REDIS_URL (without it each "
            "worker would have its own in-process substitute); or use --workers 1"
        )
    return None


def serve(settings: Settings, workers: int, *, host: str, port: int, migrate: bool) -> int:
    """One worker in this process; several: check, migrate once, listen once, then keep them."""
    problem = refusal(settings, workers)
    if problem is not None:
        print(f"legalaid: {problem}", file=sys.stderr)
        return 2
    listening = listen(port, host=host, serves="the service", flag="--port")
    if workers == 1:
        from aiohttp import web

        from bot.app import create_app

        web.run_app(create_app(settings, migrate=migrate), sock=listening, print=None)
        return 0
    try:
        asyncio.run(_prepare_schema(settings, migrate))
        return WorkerPool(listening, workers).run()
    finally:
        listening.close()


async def _prepare_schema(settings: Settings, migrate: bool) -> None:
    from bot.store.db import open_database, schema_is_current, upgrade_schema
    from bot.store.field_keys import protection_for

    db = open_database(settings.database_url, protection_for(settings))
    try:
        if migrate:
            await upgrade_schema(db)
        elif not await schema_is_current(db):
            raise ConfigurationError("the database schema is not current: run `legalaid db upgrade`")
    finally:
        await db.close()


@dataclass
class Worker:
    slot: int
    process: subprocess.Popen[bytes]
    started: float
    early_deaths: int = 0


class WorkerPool:
    """Starts the workers, restarts one that dies, and stops them all on SIGTERM or SIGINT."""

    def __init__(self, listening: socket.socket, count: int) -> None:
        self._listening = listening
        self._count = count
        self._stopping = False

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        workers: list[Worker] = []
        try:
            workers = [self._start(slot) for slot in range(self._count)]
            log.info("workers_started", count=self._count, pids=[w.process.pid for w in workers])
            while not self._stopping:
                time.sleep(POLL_SECONDS)
                for index, worker in enumerate(workers):
                    code = worker.process.poll()
                    if code is None or self._stopping:
                        continue
                    replacement = self._replace(worker, code)
                    if replacement is None:
                        return 1
                    workers[index] = replacement
            return 0
        finally:
            self._stop_all(workers)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum: int, _frame: object) -> None:
        self._stopping = True

    def _start(self, slot: int, early_deaths: int = 0) -> Worker:
        fd = self._listening.fileno()
        parent = os.getpid()
        process = subprocess.Popen(  # noqa: S603 (this interpreter and our own module)
            [sys.executable, "-m", "bot.serving", "--fd", str(fd)],
            pass_fds=(fd,),
            preexec_fn=lambda: _end_with_parent(parent),
        )
        return Worker(slot, process, time.monotonic(), early_deaths)

    def _replace(self, dead: Worker, code: int) -> Worker | None:
        lived = time.monotonic() - dead.started
        early = dead.early_deaths + 1 if lived < EARLY_DEATH_SECONDS else 0
        log.warning(
            "worker_died", slot=dead.slot, pid=dead.process.pid, exit_code=code, lived_seconds=round(lived, 1)
        )
        if early >= EARLY_DEATHS_BEFORE_GIVING_UP:
            log.error("workers_keep_dying", slot=dead.slot, early_deaths=early)
            return None
        time.sleep(RESTART_PAUSE_SECONDS)
        if self._stopping:
            return dead
        worker = self._start(dead.slot, early)
        log.info("worker_restarted", slot=dead.slot, pid=worker.process.pid)
        return worker

    def _stop_all(self, workers: list[Worker]) -> None:
        running = [w.process for w in workers if w.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker_killed", pid=process.pid)
                process.kill()
                process.wait()
        log.info("workers_stopped", count=len(workers))


def _end_with_parent(parent: int) -> None:
    """In the new worker, before Python starts: SIGTERM when the parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def run_worker(fd: int) -> None:
    """One worker: its own app, pools and sweeps, answering on the socket its parent opened."""
    from aiohttp import web

    from bot.app import create_app
    from bot.log import configure_logging
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    listening = socket.socket(fileno=fd)
    web.run_app(create_app(settings, migrate=False), sock=listening, print=None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one worker of `legalaid serve --workers N`")
    parser.add_argument("--fd", type=int, required=True, help="the listening socket the parent opened")
    run_worker(parser.parse_args().fd)
