"""The processes of `legalaid serve --workers N` in tests: their pids, and which one holds a TCP
connection (read from /proc: the worker whose file descriptors include the server end), so a test
can pin a connection to each worker without the service revealing anything."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.wechat.citizen_simulator import CitizenSimulator
from bot.wechat.fake_api import DEMO_APPID
from tests.command_line import Running, free_port


@dataclass
class TwoWorkers:
    url: str
    running: Running
    token: str
    aes_key: str
    database_url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def worker_pids(self) -> set[int]:
        return children_of(self.running.process.pid)

    def citizen(self, http: aiohttp.ClientSession, openid: str) -> CitizenSimulator:
        return CitizenSimulator(
            http, self.url, token=self.token, openid=openid, aes_key=self.aes_key, appid=DEMO_APPID
        )


async def both_workers_answering(service: TwoWorkers) -> None:
    """Until each worker has answered a connection: /readyz answered by the first one says nothing
    of the second, which may still be loading its model on a busy machine."""
    seen: set[int | None] = set()
    for _ in range(600):
        pids = service.worker_pids()
        if len(pids) == 2 and pids <= seen:
            return
        port = free_port()
        connector = aiohttp.TCPConnector(limit=1, local_addr=("127.0.0.1", port))
        async with aiohttp.ClientSession(connector=connector) as http:
            async with http.get(f"{service.url}/healthz") as resp:
                await resp.read()
            seen.add(worker_holding(port, service.port, pids))
        await asyncio.sleep(0.05)
    raise AssertionError(f"both workers never answered:\n{service.running.output.read_text()}")


def children_of(parent: int) -> set[int]:
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                children.add(int(entry))
    return children


def worker_holding(client_port: int, server_port: int, pids: set[int]) -> int | None:
    """The worker whose file descriptors hold the server end of the connection from `client_port`."""
    wanted = f"0100007F:{server_port:04X} 0100007F:{client_port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if f"{fields[1]} {fields[2]}" == wanted:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


def client_port(response: aiohttp.ClientResponse) -> int:
    assert response.connection is not None and response.connection.transport is not None
    return int(response.connection.transport.get_extra_info("sockname")[1])


@dataclass
class Pinned:
    """A client whose one kept-alive connection, from a port of our choosing, one worker serves."""

    http: aiohttp.ClientSession
    port: int


async def connection_on(service: TwoWorkers, pid: int) -> Pinned:
    for _ in range(100):
        port = free_port()
        connector = aiohttp.TCPConnector(limit=1, local_addr=("127.0.0.1", port))
        http = aiohttp.ClientSession(connector=connector)
        async with http.get(f"{service.url}/healthz") as resp:
            await resp.read()
        if worker_holding(port, service.port, service.worker_pids()) == pid:
            return Pinned(http, port)
        await http.close()
    raise AssertionError(f"no connection reached worker {pid} in 100 tries")


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# ---- two workers on PostgreSQL + Redis -----------------------------------------------------------------
