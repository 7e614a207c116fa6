"""Admins manage console accounts over the API: create with a strong password, disable (the
account's sessions end at once), enable, reset a password, change role and queues; the console
always keeps an active admin, and every change is on the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import MovableClock
from tests.conftest import CONSOLE_PASSWORD, WORKDAY_MORNING, ConsoleClient, RunningService, ServiceFactory
from tests.e2e.test_handoff_console_api import stranger

NEW_PASSWORD = "sturdy-lantern-42"


@pytest.fixture
async def office(start_service: ServiceFactory) -> RunningService:
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    await svc.add_account("root", role="admin", specialties=[])
    return svc


async def accounts(admin: ConsoleClient) -> dict[str, dict[str, Any]]:
    status, body = await admin.get("/api/users")
    assert status == 200, body
    return {a["username"]: a for a in body["items"]}


async def changes(svc: RunningService) -> list[tuple[str, str, str, str | None]]:
    rows = await svc.rows(
        "SELECT c.username, a.action, a.object_id, a.address FROM audit_entry a "
        "JOIN consultant c ON c.id = a.consultant_id WHERE a.object_type = 'consultant' ORDER BY a.id"
    )
    return [tuple(r) for r in rows]


async def test_an_admin_creates_an_account_that_can_log_in(office: RunningService):
    root = await office.console("root")
    body = {"username": "li", "password": NEW_PASSWORD, "role": "consultant", "specialties": ["family"]}
    status, made = await root.post("/api/users", body)
    assert status == 201, made
    assert (made["username"], made["role"], made["specialties"], made["active"]) == (
        "li",
        "consultant",
        ["family"],
        True,
    )
    assert "password" not in str(made) and "hash" not in str(made)
    listed = await accounts(root)
    assert sorted(listed) == ["boss", "li", "root", "zhang"]
    assert listed["zhang"]["specialties"] == ["labor"]
    li = await office.console("li", NEW_PASSWORD)
    assert (await li.get("/api/handoffs"))[0] == 200
    assert await changes(office) == [("root", "create_account", "li", "127.0.0.1")]

    before = await office.count("consultant")
    for wrong, field in (
        ({**body, "username": "zhang"}, None),
        ({**body, "username": "wu", "password": "short7!"}, "password"),
        ({**body, "username": "wu", "password": "aaaabbbbaaaabbbb"}, "password"),
        ({**body, "username": "wu", "password": "password1"}, "password"),
        ({**body, "username": "wu", "role": "boss"}, "role"),
        ({**body, "username": "wu", "specialties": ["astrology"]}, "specialties"),
        ({**body, "username": "has space"}, "username"),
        ({"username": "wu", "role": "consultant"}, "password"),
    ):
        status, answer = await root.post("/api/users", wrong)
        if field is None:
            assert (status, answer["error"]) == (409, "account_exists")
        else:
            assert (status, answer["field"]) == (422, field), wrong
    assert await office.count("consultant") == before


async def test_disabling_an_account_ends_its_sessions_at_once(office: RunningService):
    zhang = await office.console("zhang")
    root = await office.console("root")
    status, body = await root.post("/api/users/zhang/disable")
    assert (status, body["active"]) == (200, False)

    status, answer = await zhang.get("/api/handoffs")
    assert (status, answer["error"]) == (401, "not_logged_in")
    async with stranger(office) as again:
        assert (await again.login("zhang", CONSOLE_PASSWORD))[0] == 401

    status, body = await root.post("/api/users/zhang/enable")
    assert (status, body["active"]) == (200, True)
    # The old session stays ended: enabling the account does not bring a stolen cookie back.
    assert (await zhang.get("/api/handoffs"))[0] == 401
    assert (await (await office.console("zhang")).get("/api/handoffs"))[0] == 200
    assert [c[1] for c in await changes(office)] == ["disable_account", "enable_account"]


async def test_a_password_reset_ends_the_old_sessions_and_the_old_password(office: RunningService):
    zhang = await office.console("zhang")
    root = await office.console("root")
    status, answer = await root.post("/api/users/zhang/password", {"password": "qwerty123"})
    assert (status, answer["field"]) == (422, "password")
    assert (await zhang.get("/api/handoffs"))[0] == 200  # a refused reset changes nothing

    assert (await root.post("/api/users/zhang/password", {"password": NEW_PASSWORD}))[0] == 200
    assert (await zhang.get("/api/handoffs"))[0] == 401
    async with stranger(office) as again:
        assert (await again.login("zhang", CONSOLE_PASSWORD))[0] == 401
        assert (await again.login("zhang", NEW_PASSWORD))[0] == 200
    assert await changes(office) == [("root", "reset_password", "zhang", "127.0.0.1")]
    detail = await office.scalar("SELECT detail FROM audit_entry WHERE action = 'reset_password'")
    assert detail is None  # nothing about the password on the log


async def test_a_new_role_and_queues_apply_to_the_open_session(office: RunningService):
    zhang = await office.console("zhang")
    assert (await zhang.get("/api/audit"))[0] == 403
    root = await office.console("root")
    status, body = await root.post(
        "/api/users/zhang/roles", {"role": "supervisor", "specialties": ["labor", "family"]}
    )
    assert (status, body["role"], body["specialties"]) == (200, "supervisor", ["labor", "family"])
    assert (await zhang.get("/api/audit"))[0] == 200
    detail = await office.scalar("SELECT detail FROM audit_entry WHERE action = 'change_role'")
    assert "consultant" in str(detail) and "supervisor" in str(detail)

    for wrong, field in (
        ({"role": "king"}, "role"),
        ({"role": "consultant", "specialties": "labor"}, "specialties"),
    ):
        status, answer = await root.post("/api/users/zhang/roles", wrong)
        assert (status, answer["field"]) == (422, field)
    for path in ("/api/users/ghost/disable", "/api/users/ghost/enable", "/api/users/ghost/roles"):
        status, answer = await root.post(path, {"role": "consultant"})
        assert (status, answer["error"]) == (404, "account_not_found"), path


async def test_the_last_admin_can_neither_disable_nor_demote_themself(office: RunningService):
    root = await office.console("root")
    for path, body in (
        ("/api/users/root/disable", None),
        ("/api/users/root/roles", {"role": "supervisor", "specialties": ["general"]}),
    ):
        status, answer = await root.post(path, body)
        assert (status, answer["error"]) == (409, "last_admin"), path
    assert (await accounts(root))["root"]["role"] == "admin"

    made = {"username": "root2", "password": NEW_PASSWORD, "role": "admin", "specialties": []}
    assert (await root.post("/api/users", made))[0] == 201
    status, body = await root.post("/api/users/root/roles", {"role": "supervisor"})
    assert (status, body["role"], body["specialties"]) == (200, "supervisor", ["general"])
    assert (await root.get("/api/users"))[0] == 403  # a supervisor now, at once
    root2 = await office.console("root2", NEW_PASSWORD)
    status, answer = await root2.post("/api/users/root2/disable")
    assert (status, answer["error"]) == (409, "last_admin")


async def test_only_admins_manage_accounts(office: RunningService):
    for name in ("zhang", "boss"):
        console = await office.console(name)
        assert (await console.get("/api/users"))[0] == 403
        status, body = await console.post("/api/users/zhang/disable")
        assert (status, body["error"]) == (403, "role_not_allowed")
    async with stranger(office) as anonymous:
        assert (await anonymous.get("/api/users"))[0] == 401
    assert await changes(office) == []
