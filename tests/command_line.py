"""Run the real `legalaid` command in a child process, on this checkout's code."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.settings import REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command_env(**settings: str) -> dict[str, str]:
    """The environment without any LEGALAID_ variable of ours, plus `settings` (wechat_appid=...).

    PYTHONPATH puts this checkout first: the venv may hold an editable install of another one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update({f"LEGALAID_{name.upper()}": value for name, value in settings.items()})
    return env


def legalaid_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


@dataclass
class Running:
    """A `legalaid` child process; what it printed is in `output`."""

    process: subprocess.Popen[bytes]
    output: Path

    async def wait_until_answering(self, url: str) -> None:
        """Poll `url` (bounded) until it answers 200; fail with what the command printed if it ended."""
        async with aiohttp.ClientSession() as http:
            for _ in range(150):
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"`legalaid` ended with {self.process.returncode}:\n{self.output.read_text()}"
                    )
                try:
                    async with http.get(url) as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"nothing answered at {url}:\n{self.output.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_legalaid(*args: str, env: dict[str, str], cwd: Path) -> Running:
    """`legalaid ARGS...` started in `cwd`, printing to `cwd/legalaid.out`; the caller stops it."""
    output = cwd / "legalaid.out"
    with open(output, "wb") as out:  # the child keeps its own handle
        process = subprocess.Popen(
            legalaid_args(*args), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    return Running(process, output)


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def run_legalaid(*args: str, env: dict[str, str], cwd: Path, stdin: str = "") -> Finished:
    """`legalaid ARGS...` run to its end without blocking the loop (the test's servers keep answering)."""
    process = await asyncio.create_subprocess_exec(
        *legalaid_args(*args),
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())
