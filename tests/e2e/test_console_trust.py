"""The console's doors: attempt limits that parallel guesses cannot outrun and a stranger cannot
turn against a consultant, sessions (and their live stream) that end when they should, cookies
and headers fit for personal data."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from bot.clock import MovableClock
from tests.conftest import CONSOLE_PASSWORD, WORKDAY_MORNING, RunningService, ServiceFactory

WRONG = "wrong-horse-7"


@pytest.fixture
async def center(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING), trusted_proxies=["127.0.0.1"])
    await svc.add_account("zhang", specialties=["labor"])
    return svc


async def _login(
    svc: RunningService, http: aiohttp.ClientSession, password: str, address: str, proto: str = "http"
) -> tuple[int, Any, aiohttp.ClientResponse]:
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": proto}
    async with http.post(
        f"{svc.url}/api/session", json={"username": "zhang", "password": password}, headers=headers
    ) as resp:
        return resp.status, await resp.json(), resp


async def test_parallel_guesses_cannot_outrun_the_attempt_limit(center: RunningService):
    async with aiohttp.ClientSession() as http:
        results = await asyncio.gather(*(_login(center, http, WRONG, "203.0.113.9") for _ in range(30)))
    statuses = [status for status, _, _ in results]
    assert statuses.count(401) <= 5 and statuses.count(429) >= 25  # at most the limit was tried
    assert set(statuses) == {401, 429}


async def test_a_stranger_guessing_cannot_lock_the_consultant_out(center: RunningService):
    async with aiohttp.ClientSession() as http:
        for _ in range(6):
            await _login(center, http, WRONG, "203.0.113.9")
        status, body, _ = await _login(center, http, CONSOLE_PASSWORD, "203.0.113.9")
        assert (status, body["error"]) == (429, "too_many_attempts")  # the guesser's own address
        status, body, _ = await _login(center, http, CONSOLE_PASSWORD, "198.51.100.7")
        assert status == 200 and body["consultant"]["username"] == "zhang"  # the consultant's desk


async def test_an_untrusted_peer_cannot_pick_its_address_with_a_header(start_service: ServiceFactory):
    svc = await start_service()  # no trusted proxy: X-Forwarded-For is just a header
    await svc.add_account("zhang", specialties=["labor"])
    async with aiohttp.ClientSession() as http:
        for i in range(5):
            await _login(svc, http, WRONG, f"203.0.113.{i}")
        status, _, _ = await _login(svc, http, CONSOLE_PASSWORD, "198.51.100.7")
    assert status == 429


async def test_the_cookie_is_secure_when_the_trusted_proxy_says_https(center: RunningService):
    async with aiohttp.ClientSession() as http:
        _, _, plain = await _login(center, http, CONSOLE_PASSWORD, "198.51.100.7", "http")
        _, _, tls = await _login(center, http, CONSOLE_PASSWORD, "198.51.100.7", "https")
    assert not plain.cookies["legalaid_session"]["secure"]
    assert tls.cookies["legalaid_session"]["secure"]
    assert tls.cookies["legalaid_session"]["httponly"]


async def _stream_ends(svc: RunningService, console_http: aiohttp.ClientSession, end: Any) -> list[str]:
    """Open the live stream, `end` the session, and read until the server closes the stream."""
    lines: list[str] = []
    async with console_http.get(f"{svc.url}/api/handoffs/stream") as resp:
        assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
        lines.append((await resp.content.readline()).decode())
        await end()

        async def read_all() -> None:
            async for raw in resp.content:
                lines.append(raw.decode())

        await asyncio.wait_for(read_all(), timeout=10)
    return lines


@pytest.mark.parametrize("how", ["logout", "password_reset"])
async def test_the_live_stream_ends_with_its_session(center: RunningService, how: str):
    zhang = await center.console("zhang")

    async def end() -> None:
        if how == "logout":
            async with zhang.http.delete(
                f"{center.url}/api/session", headers={"X-CSRF-Token": zhang.csrf or ""}
            ) as resp:
                assert resp.status == 200
        else:
            await center.add_account("zhang", specialties=["labor"], password="a-new-password-9")

    lines = await _stream_ends(center, zhang.http, end)
    assert lines[0].startswith(": connected")  # it was open, then the server closed it


async def test_headers_for_personal_data_and_the_console_page(center: RunningService):
    zhang = await center.console("zhang")
    async with zhang.http.get(f"{center.url}/api/handoffs") as resp:
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    async with zhang.http.get(f"{center.url}/api/nothing-here") as resp:
        assert resp.status == 404 and resp.headers["Cache-Control"] == "no-store"
    for path in ("/console/", "/console/static/console.js"):
        async with zhang.http.get(f"{center.url}{path}") as resp:
            assert resp.status == 200, path
            csp = resp.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert resp.headers["Referrer-Policy"] == "no-referrer"
