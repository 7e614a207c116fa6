"""Liveness and readiness: what an operator (or nginx) checks before sending traffic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

ReadinessCheck = Callable[[], Awaitable[str]]


def health_routes(checks: dict[str, ReadinessCheck]) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        results: dict[str, str] = {}
        ready = True
        for name, check in checks.items():
            try:
                results[name] = await check()
            except Exception as exc:  # a web-handler boundary: report, never raise
                results[name] = f"down: {type(exc).__name__}"
                ready = False
        body = {"status": "ready" if ready else "not_ready", "checks": results}
        return web.json_response(body, status=200 if ready else 503)

    return [web.get("/healthz", healthz), web.get("/readyz", readyz)]
