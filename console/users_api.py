"""Console accounts over HTTP (admins only): list, create, disable, enable, reset a password,
change role and queues. Translates only; the rules and the audit entries are bot/auth/users.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.auth.users import ConsoleUsers
from bot.errors import InvalidInput
from bot.store.consultants import StaffAccount
from bot.workdays.duty import Consultant
from console.auth import ADMINS, Guard
from console.bodies import json_body


def user_routes(users: Callable[[], ConsoleUsers], guarded: Guard) -> list[web.RouteDef]:
    """The account routes, admins only (the use case checks again)."""

    async def list_accounts(request: web.Request, viewer: Consultant) -> web.Response:
        return web.json_response({"items": [account_json(a) for a in await users().accounts(viewer)]})

    async def create(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        made = await users().create(
            viewer,
            _text(body, "username"),
            _text(body, "password"),
            _text(body, "role"),
            _specialties(body),
        )
        return web.json_response(account_json(made), status=201)

    async def disable(request: web.Request, viewer: Consultant) -> web.Response:
        await json_body(request, optional=True)
        return web.json_response(account_json(await users().disable(viewer, _name(request))))

    async def enable(request: web.Request, viewer: Consultant) -> web.Response:
        await json_body(request, optional=True)
        return web.json_response(account_json(await users().enable(viewer, _name(request))))

    async def password(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        changed = await users().reset_password(viewer, _name(request), _text(body, "password"))
        return web.json_response(account_json(changed))

    async def roles(request: web.Request, viewer: Consultant) -> web.Response:
        body = await json_body(request)
        changed = await users().change_role(viewer, _name(request), _text(body, "role"), _specialties(body))
        return web.json_response(account_json(changed))

    one = "/users/{name}"
    return [
        web.get("/users", guarded(list_accounts, ADMINS)),
        web.post("/users", guarded(create, ADMINS)),
        web.post(f"{one}/disable", guarded(disable, ADMINS)),
        web.post(f"{one}/enable", guarded(enable, ADMINS)),
        web.post(f"{one}/password", guarded(password, ADMINS)),
        web.post(f"{one}/roles", guarded(roles, ADMINS)),
    ]


def account_json(account: StaffAccount) -> dict[str, Any]:
    """An account without anything about its password."""
    return {
        "username": account.username,
        "role": account.role,
        "specialties": list(account.specialties),
        "active": account.active,
        "created_at": account.created_at.isoformat(),
    }


def _name(request: web.Request) -> str:
    """The account named in the path (bounded; an unknown one is a 404 later)."""
    return request.match_info["name"][:200]


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} is required (text)")
    return value


def _specialties(body: dict[str, Any]) -> list[str]:
    """The queue codes of a body; optional (the use case applies the default)."""
    value = body.get("specialties", [])
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value) or len(value) > 50:
        raise InvalidInput("specialties", "specialties must be a list of queue codes")
    return list(value)
