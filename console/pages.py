"""The console's page: one static HTML page with plain JavaScript on the JSON API (no CDN)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"


def console_pages() -> list[web.AbstractRouteDef]:
    async def console_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def console_redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/console/")

    return [
        web.get("/console", console_redirect),
        web.get("/console/", console_page),
        web.static("/console/static", STATIC, append_version=False),
    ]
