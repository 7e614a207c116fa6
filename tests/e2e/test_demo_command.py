"""`legalaid demo` as a newcomer runs it: a busy port is one plain sentence naming the port and the flag
that moves it, with a non-zero exit, no traceback, and nothing written in the working directory."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.command_line import command_env, free_port, legalaid_args


@pytest.mark.parametrize(
    ("busy", "serves", "flag"),
    [("service", "the service", "--port"), ("fake", "the fake WeChat API", "--fake-port")],
)
def test_a_busy_port_is_named_with_the_flag_that_moves_it(tmp_path: Path, busy: str, serves: str, flag: str):
    ports = {"service": free_port(), "fake": free_port()}
    with socket.create_server(("127.0.0.1", ports[busy])):  # another program holds it
        done = subprocess.run(
            legalaid_args(
                "demo", "--no-chat", "--port", str(ports["service"]), "--fake-port", str(ports["fake"])
            ),
            env=command_env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    said = done.stderr.strip()
    assert said.startswith(f"legalaid: port {ports[busy]} is already in use, so {serves} cannot listen")
    assert f"with {flag}" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, no key file


def test_the_two_ports_must_differ(tmp_path: Path):
    port = str(free_port())
    done = subprocess.run(
        legalaid_args("demo", "--no-chat", "--port", port, "--fake-port", port),
        env=command_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"--port and --fake-port are both {port}" in done.stderr


@pytest.mark.parametrize(
    ("command", "serves"), [("serve", "the service"), ("fake-wechat", "the fake WeChat API")]
)
def test_serve_and_the_fake_name_a_busy_port_too(tmp_path: Path, command: str, serves: str):
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        done = subprocess.run(
            legalaid_args(command, "--port", str(port)),
            env=command_env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 78
    assert "Traceback" not in done.stderr + done.stdout
    assert f"port {port} is already in use, so {serves} cannot listen" in done.stderr
    assert "with --port" in done.stderr
