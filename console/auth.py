"""Console login over HTTP: the session cookie, the CSRF header, and the 401/403 answers.

The cookie is HttpOnly and SameSite=Strict; every non-GET request must also carry the
session's CSRF token in `X-CSRF-Token`. Accounts and sessions themselves live in bot/auth.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog
from aiohttp import web

from bot.auth.sessions import ConsoleSessions
from bot.store.audit import bind_address
from bot.workdays.duty import Consultant

COOKIE = "legalaid_session"
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Guard(Protocol):
    """Puts a route behind the login, for the roles it serves (see `ConsoleAuth.required`)."""

    def __call__(self, route: ConsultantRoute, roles: frozenset[str] = ...) -> Route: ...


ALL_ROLES = frozenset({"consultant", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})  # reviewers of records, audit and figures
ADMINS = frozenset({"admin"})
ConsultantRoute = Callable[[web.Request, Consultant], Awaitable[web.StreamResponse]]


def problem(status: int, error: str, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "message": message, **extra}, status=status)


class ConsoleAuth:
    """Who is logged in, from the cookie; login, logout; the CSRF check."""

    def __init__(
        self,
        sessions: ConsoleSessions,
        *,
        secure_cookies: bool = False,
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self._sessions = sessions
        self._secure_cookies = secure_cookies
        self._trusted_proxies = trusted_proxies

    def client_address(self, request: web.Request) -> str:
        """The citizen-side address: behind a trusted proxy, the nearest untrusted X-Forwarded-For
        entry (a client cannot forge its way past the proxy); otherwise the peer itself."""
        peer = request.remote or "unknown"
        if peer not in self._trusted_proxies:
            return peer
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in self._trusted_proxies:
                return hop[:64]
        return peer

    def _secure(self, request: web.Request) -> bool:
        """Secure cookies in production, over TLS, or when a trusted proxy says it was https."""
        if self._secure_cookies or request.secure:
            return True
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return (request.remote or "") in self._trusted_proxies and forwarded == "https"

    async def still_logged_in(self, request: web.Request) -> bool:
        """For a long-lived stream: the session still stands (without keeping it alive)."""
        return await self._sessions.find(request.cookies.get(COOKIE), slide=False) is not None

    async def login(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return problem(400, "bad_request", "body must be JSON")
        if not isinstance(body, dict):
            return problem(400, "bad_request", "body must be a JSON object")
        username, password = body.get("username"), body.get("password")
        if (
            not isinstance(username, str)
            or not isinstance(password, str)
            or len(username) > 64
            or len(password) > 256
        ):
            return problem(422, "invalid_input", "username and password are required", field="username")
        result = await self._sessions.log_in(username, password, self.client_address(request))
        if result.retry_after:
            return problem(
                429, "too_many_attempts", "too many failed attempts", retry_after=result.retry_after
            )
        if result.account is None or result.token is None or result.csrf is None:
            return problem(401, "invalid_credentials", "wrong username or password")
        response = web.json_response(_session_body(result.account, result.csrf))
        response.set_cookie(
            COOKIE,
            result.token,
            httponly=True,
            samesite="Strict",
            secure=self._secure(request),
            path="/",
            max_age=None,
        )
        return response

    async def whoami(self, request: web.Request) -> web.Response:
        found = await self._sessions.find(request.cookies.get(COOKIE))
        if found is None:
            return problem(401, "not_logged_in", "log in first")
        account, csrf = found
        return web.json_response(_session_body(account, csrf))

    async def logout(self, request: web.Request) -> web.Response:
        found = await self._sessions.find(request.cookies.get(COOKIE))
        if found is None:
            return problem(401, "not_logged_in", "log in first")
        if not _csrf_ok(request, found[1]):
            return problem(403, "csrf", "missing or wrong X-CSRF-Token")
        await self._sessions.end(request.cookies[COOKIE])
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    def required(self, route: ConsultantRoute, roles: frozenset[str] = ALL_ROLES) -> Route:
        """Wrap an API route: 401 without a session, 403 for a role the route does not serve,
        403 without the CSRF token on a change."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            found = await self._sessions.find(request.cookies.get(COOKIE))
            if found is None:
                return problem(401, "not_logged_in", "log in first")
            viewer, csrf = found
            if viewer.role not in roles:
                return problem(403, "role_not_allowed", "this account's role may not use this route")
            if request.method not in ("GET", "HEAD") and not _csrf_ok(request, csrf):
                return problem(403, "csrf", "missing or wrong X-CSRF-Token")
            structlog.contextvars.bind_contextvars(consultant_id=viewer.id)
            # Every audit entry this request writes says where it came from (bot/store/audit.py).
            with bind_address(self.client_address(request)):
                return await route(request, viewer)

        return guarded


def _csrf_ok(request: web.Request, csrf: str) -> bool:
    sent = request.headers.get("X-CSRF-Token", "")
    return bool(sent) and hmac.compare_digest(sent.encode(), csrf.encode())


def _session_body(account: Consultant, csrf: str) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "consultant": {
            "username": account.username,
            "role": account.role,
            "specialties": sorted(account.specialties),
        },
    }
