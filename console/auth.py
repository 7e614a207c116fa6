"""Console login: argon2 password hashes, sessions in Redis, CSRF tokens, rate-limited attempts.

The session cookie is HttpOnly and SameSite=Strict; every non-GET request must also carry the
session's CSRF token in `X-CSRF-Token`. Sessions expire after a configurable idle time, measured
on the injected clock so tests can move it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog
from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.clock import Clock
from bot.errors import LegalAidError
from bot.store import handoffs as records
from bot.store.db import Database
from bot.store.handoffs import ConsultantRecord
from bot.store.redis_keys import RedisKeys
from handoff.handoff import ROLES, Consultant

log = structlog.get_logger(__name__)
COOKIE = "legalaid_session"
FAILURE_WINDOW_SECONDS = 15 * 60
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
CONSULTANT = web.AppKey("consultant", Consultant)
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _credential(account: ConsultantRecord) -> str:
    """Changes when the password is reset, so sessions opened with the old one stop working."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:24]


def problem(status: int, error: str, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "message": message, **extra}, status=status)


class ConsoleAuth:
    """Who is logged in, from the cookie; login, logout; the CSRF check."""

    def __init__(
        self,
        db: Database,
        redis: aioredis.Redis,
        keys: RedisKeys,
        clock: Clock,
        *,
        idle_minutes: int,
        max_attempts: int,
    ) -> None:
        self._db = db
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._idle = timedelta(minutes=idle_minutes)
        self._max_attempts = max_attempts

    # ---- routes ------------------------------------------------------------------------------
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
        peer = request.remote or "unknown"
        # One address may be a whole office behind NAT: it gets more attempts than one account.
        for who, allowed in (
            (f"user:{username}", self._max_attempts),
            (f"peer:{peer}", self._max_attempts * 4),
        ):
            wait = await self._blocked(who, allowed)
            if wait:
                log.warning("console_login_rate_limited")
                return problem(429, "too_many_attempts", "too many failed attempts", retry_after=wait)
        account = await self._db.read(lambda conn: records.consultant_by_name(conn, username))
        if not await _verify(account, password):
            for who in (f"user:{username}", f"peer:{peer}"):
                await self._failed(who)
            log.info("console_login_failed")
            return problem(401, "invalid_credentials", "wrong username or password")
        assert account is not None
        for who in (f"user:{username}", f"peer:{peer}"):
            await self._redis.delete(self._keys.login_failures(who))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        await self._store(token, account, csrf)
        response = web.json_response(self._session_body(account, csrf))
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="Strict", secure=request.secure, path="/", max_age=None
        )
        log.info("console_login", consultant_id=account.id)
        return response

    async def whoami(self, request: web.Request) -> web.Response:
        found = await self._session(request)
        if found is None:
            return problem(401, "not_logged_in", "log in first")
        account, csrf = found
        return web.json_response(self._session_body(account, csrf))

    async def logout(self, request: web.Request) -> web.Response:
        found = await self._session(request)
        if found is None:
            return problem(401, "not_logged_in", "log in first")
        if not self._csrf_ok(request, found[1]):
            return problem(403, "csrf", "missing or wrong X-CSRF-Token")
        await self._redis.delete(self._keys.console_session(_digest(request.cookies[COOKIE])))
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    def required(self, route: Callable[[web.Request, Consultant], Awaitable[web.StreamResponse]]) -> Route:
        """Wrap an API route: 401 without a session, 403 without the CSRF token on a change."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            found = await self._session(request)
            if found is None:
                return problem(401, "not_logged_in", "log in first")
            account, csrf = found
            if request.method not in ("GET", "HEAD") and not self._csrf_ok(request, csrf):
                return problem(403, "csrf", "missing or wrong X-CSRF-Token")
            viewer = Consultant(account.id, account.username, account.role, account.specialties)  # type: ignore[arg-type]
            structlog.contextvars.bind_contextvars(consultant_id=account.id)
            return await route(request, viewer)

        return guarded

    # ---- sessions ----------------------------------------------------------------------------
    async def _store(self, token: str, account: ConsultantRecord, csrf: str) -> None:
        expires = self._clock.now() + self._idle
        value = json.dumps(
            {
                "consultant_id": account.id,
                "csrf": csrf,
                "expires_at": expires.isoformat(),
                "credential": _credential(account),
            }
        )
        # Redis' own expiry only collects garbage; the clock decides (so tests can move it).
        await self._redis.set(
            self._keys.console_session(_digest(token)), value, ex=int(self._idle.total_seconds()) * 2
        )

    async def _session(self, request: web.Request) -> tuple[ConsultantRecord, str] | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 128:
            return None
        key = self._keys.console_session(_digest(token))
        raw = await self._redis.get(key)
        if raw is None:
            return None
        stored = json.loads(raw)
        if datetime.fromisoformat(stored["expires_at"]) <= self._clock.now():
            await self._redis.delete(key)
            return None
        account = await self._db.read(
            lambda conn: records.consultant_by_id(conn, int(stored["consultant_id"]))
        )
        if account is None or not account.active or account.role not in ROLES:
            return None
        if not hmac.compare_digest(stored.get("credential", ""), _credential(account)):
            await self._redis.delete(key)  # the password was reset: every old session ends
            return None
        await self._store(token, account, stored["csrf"])  # sliding idle expiry
        return account, stored["csrf"]

    @staticmethod
    def _csrf_ok(request: web.Request, csrf: str) -> bool:
        sent = request.headers.get("X-CSRF-Token", "")
        return bool(sent) and hmac.compare_digest(sent.encode(), csrf.encode())

    @staticmethod
    def _session_body(account: ConsultantRecord, csrf: str) -> dict[str, object]:
        return {
            "csrf_token": csrf,
            "consultant": {
                "username": account.username,
                "role": account.role,
                "specialties": sorted(account.specialties),
            },
        }

    # ---- rate limit --------------------------------------------------------------------------
    async def _blocked(self, who: str, allowed: int) -> int:
        key = self._keys.login_failures(who)
        count = await self._redis.get(key)
        if count is not None and int(count) >= allowed:
            ttl = await self._redis.ttl(key)
            return max(int(ttl), 1)
        return 0

    async def _failed(self, who: str) -> None:
        key = self._keys.login_failures(who)
        count = await self._redis.incr(key)
        if count == 1:
            await self._redis.expire(key, FAILURE_WINDOW_SECONDS)


async def _verify(account: ConsultantRecord | None, password: str) -> bool:
    """argon2 on a worker thread: a verification takes tens of milliseconds."""
    stored = account.password_hash if account is not None and account.active else _DUMMY_HASH

    def check() -> bool:
        try:
            return _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    ok = await asyncio.get_running_loop().run_in_executor(None, check)
    return ok and account is not None and account.active


class InvalidAccount(LegalAidError):
    """`legalaid user add` was given a role, specialty or password the console cannot accept."""

    code = "invalid_account"


async def save_account(
    db: Database,
    *,
    username: str,
    password: str,
    role: str,
    specialties: list[str],
    known_specialties: Iterable[str],
    now: datetime,
) -> int:
    """Create (or reset) a console account; the password is stored only as an argon2 hash."""
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise InvalidAccount("username must be 1-64 printable characters without spaces")
    if role not in ROLES:
        raise InvalidAccount(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise InvalidAccount("password must have at least 8 characters")
    known = set(known_specialties)
    for specialty in specialties:
        if specialty not in known:
            raise InvalidAccount(f"unknown specialty {specialty!r}; known: {', '.join(sorted(known))}")
    hashed = hash_password(password)
    return await db.write(
        lambda conn: records.save_consultant(
            conn, username=username, password_hash=hashed, role=role, specialties=specialties, now=now
        )
    )
