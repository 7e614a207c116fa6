"""Every /api/ route of the running app, walked from its router, answers each role as the table
below says: strangers get 401 (except the public routes), a role a route does not serve gets the
guard's 403, a role it serves never gets a 403. A route missing from the table fails the test
with its name: a new route must declare who it serves here as well as in its `guarded(...)`.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory

Key = tuple[str, str]  # (method, path as the router declares it)
PUBLIC: frozenset[str] = frozenset()  # no login needed
EVERY_ROLE = frozenset({"consultant", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ADMINS = frozenset({"admin"})
# Applications (bot/applications/domain/review.py): consultants and supervisors review them,
# supervisors alone decide; admins manage accounts and never handle a citizen's case.
REVIEWERS = frozenset({"consultant", "supervisor"})
DECIDERS = frozenset({"supervisor"})

ROUTES: dict[Key, frozenset[str]] = {
    ("POST", "/api/session"): PUBLIC,  # the login itself
    ("GET", "/api/session"): EVERY_ROLE,
    ("DELETE", "/api/session"): EVERY_ROLE,
    # Public today: it describes the API and holds no data (test_handoff_console_api reads it
    # without a login); interfaces.md lists only POST /api/session as public.
    ("GET", "/api/openapi.json"): PUBLIC,
    # The citizens' eligibility check (interfaces.md "Eligibility"), outside the console.
    ("POST", "/api/eligibility"): PUBLIC,
    ("GET", "/api/handoffs"): EVERY_ROLE,
    ("GET", "/api/handoffs/stream"): EVERY_ROLE,
    ("GET", "/api/handoffs/{id}"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/claim"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/messages"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/transfer"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/appointment"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/notes"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/return-to-bot"): EVERY_ROLE,
    ("POST", "/api/handoffs/{id}/close"): EVERY_ROLE,
    ("GET", "/api/specialties"): EVERY_ROLE,
    ("GET", "/api/knowledge"): EVERY_ROLE,
    ("GET", "/api/notices"): EVERY_ROLE,
    ("GET", "/api/applications"): EVERY_ROLE,  # codes and times only, no personal data
    ("GET", "/api/applications/{number}"): REVIEWERS,
    ("GET", "/api/applications/{number}/documents/{id}"): REVIEWERS,
    ("POST", "/api/applications/{number}/request-materials"): REVIEWERS,
    ("POST", "/api/applications/{number}/decision"): DECIDERS,
    ("POST", "/api/applications/{number}/status"): DECIDERS,
    ("GET", "/api/audit"): SUPERVISORS,
    ("GET", "/api/audit/export"): SUPERVISORS,
    ("GET", "/api/users"): ADMINS,
    ("POST", "/api/users"): ADMINS,
    ("POST", "/api/users/{name}/disable"): ADMINS,
    ("POST", "/api/users/{name}/enable"): ADMINS,
    ("POST", "/api/users/{name}/password"): ADMINS,
    ("POST", "/api/users/{name}/roles"): ADMINS,
    # records (h1): a consultant lists and reads only what they answered or logged
    ("GET", "/api/consultations"): EVERY_ROLE,
    ("POST", "/api/consultations"): EVERY_ROLE,  # log a phone or walk-in consultation
    ("GET", "/api/consultations/{id}"): EVERY_ROLE,
    ("GET", "/api/consultations/export"): SUPERVISORS,
    ("POST", "/api/consultations/{id}/annotations"): SUPERVISORS,
    # complaints (h3)
    ("GET", "/api/complaints"): SUPERVISORS,
    ("POST", "/api/complaints"): SUPERVISORS,
    ("POST", "/api/complaints/{id}/reply"): SUPERVISORS,
    # figures and quality inspection (h4)
    ("GET", "/api/stats"): SUPERVISORS,
    ("GET", "/api/stats/charts/{name}.svg"): SUPERVISORS,
    ("GET", "/api/quality/sample"): SUPERVISORS,
    ("POST", "/api/quality/reviews/{id}"): SUPERVISORS,
}
# A plausible value for each path parameter: well-formed, naming nothing that exists.
SAMPLES = {"id": "424242", "number": "FY2026112500099", "name": "nobody-here"}
ROLES = ("consultant", "supervisor", "admin")


def api_routes(app: web.Application) -> list[Key]:
    """(method, path) of every /api/ route, the console's sub-application included; HEAD is
    GET's twin. DELETE /api/session comes last: it ends the session walking the routes."""
    found: set[Key] = set()
    for resource in app.router.resources():
        info = resource.get_info()
        inner = info["app"].router.resources() if "app" in info else [resource]
        for one in inner:
            for route in one:
                if one.canonical.startswith("/api/") and route.method != "HEAD":
                    found.add((route.method, one.canonical))
    return sorted(found, key=lambda key: (key == ("DELETE", "/api/session"), key))


def filled(path: str) -> str:
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: SAMPLES.get(m[1], "1"), path)


async def call(
    http: aiohttp.ClientSession, svc: RunningService, key: Key, csrf: str | None
) -> tuple[int, Any]:
    """The route with an empty JSON object for a change; only the status of an event stream."""
    method, path = key
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    body = {} if method == "POST" else None
    async with http.request(method, svc.url + filled(path), json=body, headers=headers) as r:
        if r.content_type == "text/event-stream":
            return r.status, None
        return r.status, await r.json(content_type=None) if r.content_type == "application/json" else None


@pytest.fixture
async def office(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("root", role="admin", specialties=[])
    return svc


def expected(key: Key) -> frozenset[str]:
    found = ROUTES.get(key)
    assert found is not None, f"declare who {key[0]} {key[1]} serves in ROUTES"
    return found


async def test_every_api_route_is_in_the_table(office: RunningService):
    routes = api_routes(office.app)
    assert len(routes) >= len(ROUTES)  # the walk reached the console's sub-application
    undeclared = [f"{m} {p}" for m, p in routes if (m, p) not in ROUTES]
    assert not undeclared, f"declare who these routes serve in ROUTES: {undeclared}"
    gone = [f"{m} {p}" for m, p in ROUTES if (m, p) not in routes]
    assert not gone, f"ROUTES names routes the app no longer has: {gone}"


async def test_strangers_get_401_everywhere_but_the_public_routes(office: RunningService):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as anonymous:
        for key in api_routes(office.app):
            status, _ = await call(anonymous, office, key, None)
            if expected(key) == PUBLIC:
                assert status != 401, key
            else:
                assert status == 401, key


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_refused_exactly_where_the_table_says(office: RunningService, role: str):
    name = {"consultant": "zhang", "supervisor": "boss", "admin": "root"}[role]
    console = await office.console(name)
    for key in api_routes(office.app):
        if key == ("POST", "/api/session"):
            continue  # a second login, not a use of this one
        status, body = await call(console.http, office, key, console.csrf)
        assert status != 401, (key, body)  # the session held for the whole walk
        if expected(key) == PUBLIC or role in expected(key):
            assert status != 403, (key, body)
        else:
            assert (status, body and body.get("error")) == (403, "role_not_allowed"), key


async def test_the_openapi_document_describes_every_console_route(office: RunningService):
    async with aiohttp.ClientSession() as anonymous, anonymous.get(f"{office.url}/api/openapi.json") as r:
        paths = (await r.json())["paths"]
    outside = {("POST", "/api/eligibility"), ("GET", "/api/openapi.json")}  # not the console's API
    missing = [
        f"{m} {p}"
        for m, p in api_routes(office.app)
        if (m, p) in ROUTES and (m, p) not in outside and m.lower() not in paths.get(p, {})
    ]
    assert not missing, f"add these to console/openapi.py: {missing}"
