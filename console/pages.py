"""The console's page: one static HTML page with plain JavaScript on the JSON API (no CDN)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

STATIC = Path(__file__).resolve().parent / "static"
# The page loads only our own script and style, is never framed, and leaks no referrer.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@web.middleware
async def page_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The console's page and its files carry PAGE_HEADERS."""
    response = await handler(request)
    if request.path.startswith("/console") and not response.prepared:
        response.headers.update(PAGE_HEADERS)
    return response


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
