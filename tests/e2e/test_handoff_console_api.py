"""The handoff API as the console (or an outside test) uses it: login, CSRF, sessions, who may see and
do what, the queue's actions and filters, and hostile input that must never change anything."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from bot.clock import MovableClock
from tests.conftest import (
    CONSOLE_PASSWORD,
    STAFF_REPLY,
    WORKDAY_MORNING,
    ConsoleClient,
    FakeWeChatServer,
    RunningService,
    ServiceFactory,
)
from tests.e2e.test_handoff_path import wait_for_sent

LABOR_STORY = "老板拖欠我三个月工资"
FAMILY_STORY = "老公家暴想离婚"


async def open_handoff(svc: RunningService, story: str | None = LABOR_STORY) -> str:
    """A citizen tells their story and writes 转人工; returns the citizen's openid."""
    citizen = svc.citizen()
    if story is not None:
        await citizen.say(story)
    told = await citizen.say("转人工")
    assert told.reply_text is not None and "工作人员" in told.reply_text
    return citizen.openid


async def item_of(console: ConsoleClient, openid: str) -> dict[str, Any]:
    [item] = await console.queue(openid=openid)
    return item


@asynccontextmanager
async def stranger(svc: RunningService) -> AsyncIterator[ConsoleClient]:
    """A browser that never logged in (its own empty cookie jar)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield ConsoleClient(svc.url, session)


async def raw(
    console: ConsoleClient,
    method: str,
    path: str,
    data: bytes | None = None,
    *,
    csrf: bool = True,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    """A request with an arbitrary body; the answer must always be JSON."""
    headers = {"Content-Type": content_type}
    if csrf and console.csrf:
        headers["X-CSRF-Token"] = console.csrf
    async with console.http.request(method, f"{console.url}{path}", data=data, headers=headers) as r:
        return r.status, await r.json(content_type=None)


@pytest.fixture
async def center(start_service: ServiceFactory) -> RunningService:
    """Wednesday 10:00; two labor consultants, a family consultant and a supervisor."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("wang", specialties=["labor"])
    await svc.add_account("li", specialties=["family"])
    await svc.add_account("boss", role="supervisor")
    return svc


def clock_of(svc: RunningService) -> MovableClock:
    clock = svc.clock
    assert isinstance(clock, MovableClock)
    return clock


# ---- login, CSRF, sessions ---------------------------------------------------------------------------
async def test_nothing_without_login(center: RunningService):
    openid = await open_handoff(center)
    async with stranger(center) as anonymous:
        for path in (
            "/api/handoffs",
            "/api/handoffs/1",
            "/api/handoffs/stream",
            "/api/notices",
            "/api/session",
            "/api/specialties",
        ):
            status, body = await anonymous.get(path)
            assert (status, body["error"]) == (401, "not_logged_in"), path
        for path in ("/api/handoffs/1/claim", "/api/handoffs/1/close"):
            status, body = await anonymous.post(path, {"outcome": "a"})
            assert status == 401, path
        anonymous.http.cookie_jar.update_cookies({"legalaid_session": "forged-token"})
        assert (await anonymous.get("/api/handoffs"))[0] == 401
    boss = await center.console("boss")
    item = await item_of(boss, openid)
    assert (item["status"], item["assignee"]) == ("open", None)


async def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(center: RunningService):
    openid = await open_handoff(center)
    zhang = await center.console("zhang")
    item = await item_of(zhang, openid)
    before = await center.counts()

    status, body = await zhang.post(f"/api/handoffs/{item['id']}/claim", csrf=False)
    assert (status, body["error"]) == (403, "csrf")
    right = zhang.csrf
    zhang.csrf = "not-the-token"
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 403
    assert (await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": "您好"}))[0] == 403
    wang = await center.console("wang")
    zhang.csrf = wang.csrf  # another session's token is no better
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 403

    assert await center.counts() == before
    zhang.csrf = right
    after = await item_of(zhang, openid)
    assert (after["status"], after["assignee"]) == ("open", None)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200


async def test_a_wrong_password_gives_no_hint_and_repeated_failures_are_rate_limited(center: RunningService):
    async with stranger(center) as browser:
        wrong_password = await browser.login("zhang", "wrong-horse-7")
        unknown_user = await browser.login("nobody", CONSOLE_PASSWORD)
        assert wrong_password[0] == unknown_user[0] == 401
        assert wrong_password[1] == unknown_user[1]
        assert "csrf_token" not in wrong_password[1]

        for _ in range(4):  # five failures in all for zhang
            assert (await browser.login("zhang", "wrong-horse-7"))[0] == 401
        status, body = await browser.login("zhang", CONSOLE_PASSWORD)
        assert (status, body["error"]) == (429, "too_many_attempts")
        assert body["retry_after"] > 0
        assert browser.csrf is None
        assert (await browser.get("/api/handoffs"))[0] == 401

        # Another account from the same office address can still log in.
        assert (await browser.login("wang", CONSOLE_PASSWORD))[0] == 200


async def test_the_session_cookie_is_http_only_and_strict(center: RunningService):
    async with (
        stranger(center) as browser,
        browser.http.post(
            f"{center.url}/api/session", json={"username": "zhang", "password": CONSOLE_PASSWORD}
        ) as r,
    ):
        assert r.status == 200
        cookie = r.cookies["legalaid_session"]
        assert cookie["httponly"] is True and cookie["samesite"] == "Strict"
        assert cookie.value not in await r.text()  # the token itself never appears in the body


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'"zhang"', b"{}", b'{"username": "zhang"}', b'{"username": 1, "password": 2}'],
)
async def test_a_malformed_login_is_refused_without_a_session(center: RunningService, body: bytes):
    async with stranger(center) as browser:
        status, answer = await raw(browser, "POST", "/api/session", body)
        assert status in (400, 422) and "csrf_token" not in answer
        assert (await browser.get("/api/session"))[0] == 401


async def test_a_session_expires_after_an_hour_without_activity(center: RunningService):
    clock = clock_of(center)
    zhang = await center.console("zhang")
    for _ in range(3):  # activity keeps the session alive past the hour
        clock.advance(minutes=59)
        assert (await zhang.get("/api/handoffs"))[0] == 200
    clock.advance(minutes=61)
    status, body = await zhang.get("/api/handoffs")
    assert (status, body["error"]) == (401, "not_logged_in")
    assert (await zhang.post("/api/handoffs/1/claim"))[0] == 401
    clock.set(WORKDAY_MORNING)  # a clock set back does not revive a session once it expired
    assert (await zhang.get("/api/handoffs"))[0] == 401
    assert (await zhang.login("zhang", CONSOLE_PASSWORD))[0] == 200
    assert (await zhang.get("/api/handoffs"))[0] == 200


async def test_logout_ends_the_session(center: RunningService):
    zhang = await center.console("zhang")
    status, body = await raw(zhang, "DELETE", "/api/session", csrf=False)
    assert (status, body["error"]) == (403, "csrf")
    assert (await zhang.get("/api/session"))[0] == 200

    status, body = await raw(zhang, "DELETE", "/api/session")
    assert status == 200 and body == {"ok": True}
    assert (await zhang.get("/api/handoffs"))[0] == 401
    assert (await zhang.get("/api/session"))[0] == 401
    assert (await zhang.post("/api/handoffs/1/claim"))[0] == 401


async def test_resetting_a_password_ends_the_sessions_opened_with_the_old_one(center: RunningService):
    zhang = await center.console("zhang")
    await center.add_account("zhang", specialties=["labor"], password="a-new-password-9")
    assert (await zhang.get("/api/handoffs"))[0] == 401
    assert (await zhang.login("zhang", CONSOLE_PASSWORD))[0] == 401
    assert (await zhang.login("zhang", "a-new-password-9"))[0] == 200
    assert (await zhang.get("/api/handoffs"))[0] == 200


# ---- who may see and act -----------------------------------------------------------------------------
async def test_a_consultant_reads_another_queue_only_when_their_own_is_empty(center: RunningService):
    labor = await open_handoff(center, LABOR_STORY)
    family = await open_handoff(center, FAMILY_STORY)
    boss = await center.console("boss")
    labor_item, family_item = await item_of(boss, labor), await item_of(boss, family)
    assert (labor_item["specialty"], family_item["specialty"]) == ("labor", "family")

    zhang = await center.console("zhang")
    status, body = await zhang.get(f"/api/handoffs/{family_item['id']}")
    assert (status, body["error"]) == (403, "not_allowed")
    assert (await zhang.post(f"/api/handoffs/{family_item['id']}/claim"))[0] == 403
    assert [i["id"] for i in await zhang.queue(status="open")] == [labor_item["id"]]
    assert await zhang.queue(openid=family) == []

    assert (await zhang.post(f"/api/handoffs/{labor_item['id']}/claim"))[0] == 200
    # No labor item waits any more: zhang may open and take the family one.
    assert {i["id"] for i in await zhang.queue(status="open")} == {family_item["id"]}
    status, detail = await zhang.get(f"/api/handoffs/{family_item['id']}")
    assert status == 200 and detail["allowed"]["claim"] is True
    assert detail["specialty"] == "family" and detail["transcript"]

    # The supervisor reads everything, whatever the queues hold.
    for handoff_id in (labor_item["id"], family_item["id"]):
        assert (await boss.get(f"/api/handoffs/{handoff_id}"))[0] == 200
    assert {i["id"] for i in await boss.queue()} == {labor_item["id"], family_item["id"]}


async def test_two_consultants_claiming_at_once_one_wins(center: RunningService):
    openids = [await open_handoff(center) for _ in range(4)]
    zhang, wang, boss = [await center.console(n) for n in ("zhang", "wang", "boss")]
    for openid in openids:
        item = await item_of(boss, openid)
        path = f"/api/handoffs/{item['id']}/claim"
        (first, a), (second, b) = await asyncio.gather(zhang.post(path), wang.post(path))
        assert sorted([first, second]) == [200, 409], (a, b)
        winner = "zhang" if first == 200 else "wang"
        loser_body = b if first == 200 else a
        assert loser_body["error"] == "already_claimed"
        after = await item_of(boss, openid)
        assert (after["status"], after["assignee"]) == ("claimed", winner)
    claims = await center.scalar("SELECT COUNT(*) FROM handoff_event WHERE kind = 'claimed'")
    assert claims == len(openids)


async def test_only_the_assignee_answers_until_a_supervisor_reassigns(
    center: RunningService, fake_wechat: FakeWeChatServer
):
    openid = await open_handoff(center)
    zhang, wang, boss = [await center.console(n) for n in ("zhang", "wang", "boss")]
    item = await item_of(boss, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200

    status, body = await wang.post(f"/api/handoffs/{item['id']}/messages", {"text": "我来回答"})
    assert (status, body["error"]) == (409, "already_claimed")
    assert (await wang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "b"}))[0] == 409
    assert (await wang.post(f"/api/handoffs/{item['id']}/transfer", {"consultant": "wang"}))[0] == 409
    assert await fake_wechat.sent(openid) == []

    status, moved = await boss.post(f"/api/handoffs/{item['id']}/transfer", {"consultant": "wang"})
    assert status == 200 and moved["assignee"] == "wang" and moved["status"] == "claimed"
    assert (await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": "还是我来"}))[0] == 409
    status, answered = await wang.post(f"/api/handoffs/{item['id']}/messages", {"text": "您好，我是王律师。"})
    assert status == 200
    [said] = [t for t in answered["transcript"] if t["author"] == "consultant"]
    assert (said["consultant"], said["text"]) == ("wang", "您好，我是王律师。")
    sent = await wait_for_sent(fake_wechat, openid, 1)
    assert [s["text"] for s in sent] == [STAFF_REPLY + "您好，我是王律师。"]

    status, body = await boss.post(f"/api/handoffs/{item['id']}/transfer", {"consultant": "ghost"})
    assert (status, body["field"]) == (422, "consultant")


async def test_another_consultant_can_neither_promise_nor_take_a_claimed_item(center: RunningService):
    openid = await open_handoff(center)
    zhang, wang, boss = [await center.console(n) for n in ("zhang", "wang", "boss")]
    item = await item_of(boss, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    before = await center.counts()
    promise = {"at": "2026-11-26T10:00:00+08:00"}
    assert (await wang.post(f"/api/handoffs/{item['id']}/appointment", promise))[0] == 409
    status, body = await wang.post(f"/api/handoffs/{item['id']}/claim")
    assert (status, body["error"]) == (409, "already_claimed")
    assert await center.counts() == before
    assert (await item_of(boss, openid))["deadline_at"] == item["deadline_at"]

    status, taken = await boss.post(f"/api/handoffs/{item['id']}/claim")  # a supervisor takes over
    assert status == 200 and taken["assignee"] == "boss"
    assert (await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": "您好"}))[0] == 409


async def test_a_transfer_to_a_specialty_puts_the_item_back_in_that_queue(center: RunningService):
    openid = await open_handoff(center)
    zhang, li = await center.console("zhang"), await center.console("li")
    item = await item_of(zhang, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200

    for body in ({"specialty": "tax"}, {"specialty": ""}, {"specialty": "family", "consultant": "li"}, {}):
        status, problem = await zhang.post(f"/api/handoffs/{item['id']}/transfer", body)
        assert status == 422 and problem["field"] == "specialty", body
    assert (await item_of(zhang, openid))["assignee"] == "zhang"

    status, moved = await zhang.post(
        f"/api/handoffs/{item['id']}/transfer", {"specialty": "family", "note": "涉及离婚财产分割"}
    )
    assert status == 200
    assert (moved["status"], moved["specialty"], moved["assignee"]) == ("open", "family", None)
    assert moved["allowed"] == {"claim": True, "act": False}  # zhang's own queue is empty: idle rule
    [waiting] = await li.queue(status="open")
    assert (waiting["id"], waiting["specialty"], waiting["assignee"]) == (item["id"], "family", None)
    status, detail = await li.get(f"/api/handoffs/{item['id']}")
    assert status == 200 and [n["text"] for n in detail["notes"]] == ["涉及离婚财产分割"]
    assert (await li.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200


async def test_closing_needs_an_outcome_and_tells_the_citizen(
    center: RunningService, fake_wechat: FakeWeChatServer
):
    openid = await open_handoff(center)
    zhang = await center.console("zhang")
    item = await item_of(zhang, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    before = await center.counts()
    for outcome in ("x", "", None, "A", ["a"]):
        status, body = await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": outcome})
        assert (status, body["field"]) == (422, "outcome"), outcome
    assert await center.counts() == before
    assert (await item_of(zhang, openid))["status"] == "claimed"

    status, closed = await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "a"})
    assert status == 200 and closed["status"] == "closed" and closed["outcome"] == "a"
    assert closed["ended_by"] == "consultant"
    assert await center.scalar("SELECT outcome FROM consultation") == "a"
    assert await center.scalar("SELECT status FROM consultation") == "closed"
    sent = await wait_for_sent(fake_wechat, openid, 2)
    assert "这次咨询已结束" in sent[0]["text"]
    assert "请您为这次咨询打分" in sent[1]["text"]  # then the one satisfaction request (002 §7.4.10)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/close", {"outcome": "b"}))[0] == 409
    assert (await zhang.post(f"/api/handoffs/{item['id']}/messages", {"text": "补充一句"}))[0] == 409
    assert len(await fake_wechat.sent(openid)) == 2


async def test_after_the_citizen_cancels_the_consultant_cannot_answer(
    center: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = center.citizen()
    await citizen.say("转人工")
    boss = await center.console("boss")
    item = await item_of(boss, citizen.openid)
    assert (await boss.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    cancelled = await citizen.say("取消")
    assert cancelled.reply_text is not None and "已取消转人工" in cancelled.reply_text
    before = await center.counts()
    status, body = await boss.post(f"/api/handoffs/{item['id']}/messages", {"text": "您好"})
    assert (status, body["error"]) == (409, "handoff_closed")
    assert await center.counts() == before
    assert await fake_wechat.sent(citizen.openid) == []


async def test_return_to_bot_hands_the_citizen_back_to_the_bot(
    center: RunningService, fake_wechat: FakeWeChatServer
):
    citizen = center.citizen()
    await citizen.say("转人工")
    boss = await center.console("boss")
    item = await item_of(boss, citizen.openid)
    status, returned = await boss.post(f"/api/handoffs/{item['id']}/return-to-bot")
    assert status == 200 and returned["status"] == "closed" and returned["ended_by"] == "bot"
    sent = await wait_for_sent(fake_wechat, citizen.openid, 1)
    assert "工作人员已结束这次人工答复" in sent[-1]["text"]

    hello = await citizen.say("你好")
    assert hello.reply_text is not None and "在线咨询助手" in hello.reply_text
    assert "已转给工作人员" not in hello.reply_text
    assert await center.scalar("SELECT status FROM consultation") == "open"
    assert await center.scalar("SELECT outcome FROM consultation") is None


# ---- the queue's filters -------------------------------------------------------------------------------
async def test_the_queue_filters_by_status_specialty_breach_and_exact_openid(center: RunningService):
    clock = clock_of(center)
    labor = await open_handoff(center, LABOR_STORY)
    family = await open_handoff(center, FAMILY_STORY)
    boss = await center.console("boss")
    labor_id, family_id = (await item_of(boss, labor))["id"], (await item_of(boss, family))["id"]
    assert (await boss.post(f"/api/handoffs/{family_id}/claim"))[0] == 200

    assert [i["id"] for i in await boss.queue(status="open")] == [labor_id]
    assert [i["id"] for i in await boss.queue(status="claimed")] == [family_id]
    assert await boss.queue(status="closed") == []
    assert [i["id"] for i in await boss.queue(specialty="family")] == [family_id]
    assert [i["id"] for i in await boss.queue(specialty="labor", status="claimed")] == []
    assert [i["id"] for i in await boss.queue(openid=labor)] == [labor_id]
    assert await boss.queue(openid=labor[:-1]) == []  # exact match only
    assert await boss.queue(openid=labor.upper()) == []
    assert await boss.queue(breached="true") == []
    assert len(await boss.queue(breached="false")) == 2

    assert (await boss.post(f"/api/handoffs/{family_id}/messages", {"text": "您好"}))[0] == 200
    clock.advance(hours=5)
    assert await center.sweep() >= 1
    boss = await center.console("boss")  # the clock moved past the console's idle timeout
    assert [i["id"] for i in await boss.queue(breached="true")] == [labor_id]
    assert [i["id"] for i in await boss.queue(breached="false")] == [family_id]
    listed = await boss.queue()
    assert labor not in str(listed) and family not in str(listed)  # never the raw openid

    for params in ({"status": "waiting"}, {"breached": "maybe"}, {"specialty": "tax"}):
        status, body = await boss.get("/api/handoffs", **params)
        assert status == 422 and body["field"] == next(iter(params)), params


async def test_the_openapi_document_lists_the_handoff_api(center: RunningService):
    async with stranger(center) as anonymous:
        status, document = await anonymous.get("/api/openapi.json")
    assert status == 200
    base = "/api/handoffs/{id}"
    expected = {"/api/session", "/api/handoffs", base}
    expected |= {f"{base}/{a}" for a in ("claim", "messages", "transfer", "appointment", "notes")}
    expected |= {f"{base}/return-to-bot", f"{base}/close"}
    assert expected <= set(document["paths"])
    assert set(document["paths"]["/api/session"]) == {"post", "get", "delete"}


# ---- hostile input --------------------------------------------------------------------------------------
BIG = b'{"text": "' + "长".encode() * 6000 + b'"}'  # 18 KB: above the API's 16 KB, below the app's limit
HUGE = b'{"text": "' + b"x" * 200_000 + b'"}'


BAD_REQUESTS: list[tuple[str, str, bytes | None, set[int]]] = [
    ("GET", "/api/handoffs/abc", None, {404}),
    ("GET", "/api/handoffs/-1", None, {404}),
    ("GET", "/api/handoffs/0", None, {404}),
    ("GET", "/api/handoffs/999", None, {404}),
    ("GET", "/api/handoffs/999999999999", None, {404}),
    ("GET", "/api/handoffs/2147483648", None, {404}),  # one past a 32-bit id
    ("GET", "/api/handoffs/99999999999999999999999", None, {404}),
    ("GET", "/api/handoffs/1e3", None, {404}),
    ("GET", "/api/handoffs/%EF%BC%91", None, {404}),  # a full-width digit one
    ("POST", "/api/handoffs/abc/claim", b"{}", {404}),
    ("POST", "/api/handoffs/999/claim", b"{}", {404}),
    ("POST", "/api/handoffs/999999999999/messages", b'{"text": "hi"}', {404}),
    ("POST", "/api/handoffs/999/close", b'{"outcome": "a"}', {404}),
    ("POST", "{item}/messages", b"not json", {422}),
    ("POST", "{item}/messages", b'{"text": "unterminated', {422}),
    ("POST", "{item}/messages", b"\xff\xfe\x00", {422}),
    ("POST", "{item}/messages", b"", {422}),
    ("POST", "{item}/messages", b"[1, 2]", {422}),
    ("POST", "{item}/messages", b'"text"', {422}),
    ("POST", "{item}/messages", b"null", {422}),
    ("POST", "{item}/messages", b'{"text": ""}', {422}),
    ("POST", "{item}/messages", b'{"text": "   "}', {422}),
    ("POST", "{item}/messages", b'{"text": 5}', {422}),
    ("POST", "{item}/messages", b'{"text": ["a"]}', {422}),
    ("POST", "{item}/messages", b'{"text": "' + b"a" * 2001 + b'"}', {422}),
    ("POST", "{item}/messages", BIG, {413, 422}),
    ("POST", "{item}/messages", HUGE, {413, 422}),
    ("POST", "{item}/notes", b'{"text": null}', {422}),
    ("POST", "{item}/transfer", b'{"specialty": ["labor"]}', {422}),
    ("POST", "{item}/transfer", b'{"consultant": {"name": "wang"}}', {422}),
    ("POST", "{item}/appointment", b'{"at": "2026-11-27T10:00:00+25:00"}', {422}),
    ("POST", "{item}/appointment", b'{"at": "2026-02-30T10:00:00+08:00"}', {422}),
    ("POST", "{item}/close", b'{"outcome": "a", "note": 5}', {422}),
    ("POST", "{item}/close", b'{"outcome": {"a": 1}}', {422}),
    ("POST", "{item}/return-to-bot", b"[]", {422}),
    ("GET", "/api/handoffs?status=OPEN", None, {422}),
    ("GET", "/api/handoffs?breached=yes", None, {422}),
]


async def test_bad_input_is_refused_and_changes_nothing(center: RunningService):
    openid = await open_handoff(center)
    zhang = await center.console("zhang")
    item = await item_of(zhang, openid)
    assert (await zhang.post(f"/api/handoffs/{item['id']}/claim"))[0] == 200
    before = await center.counts()

    for method, path, data, expected in BAD_REQUESTS:
        target = path.replace("{item}", f"/api/handoffs/{item['id']}")
        status, body = await raw(zhang, method, target, data)
        assert status in expected, (method, target, data and data[:60], body)
        assert isinstance(body, dict) and body.get("error"), (target, body)
        assert await center.counts() == before, (method, target, data and data[:60])
    after = await item_of(zhang, openid)
    assert (after["status"], after["assignee"], after["specialty"], after["outcome"]) == (
        "claimed",
        "zhang",
        "labor",
        None,
    )
    assert after["deadline_at"] == item["deadline_at"]


async def test_two_consultants_answering_one_unclaimed_item_at_once_one_answer_goes_out(
    center: RunningService, fake_wechat: FakeWeChatServer
):
    """Answering an unclaimed item claims it: of two answers fired at the same moment exactly one
    is recorded and sent, and the other consultant hears 409 already_claimed with nothing written."""
    pairs = 10
    openids = [await open_handoff(center) for _ in range(pairs)]
    zhang, wang, boss = [await center.console(n) for n in ("zhang", "wang", "boss")]
    for openid in openids:
        item = await item_of(boss, openid)
        path = f"/api/handoffs/{item['id']}/messages"
        (first, a), (second, b) = await asyncio.gather(
            zhang.post(path, {"text": "张：您好"}), wang.post(path, {"text": "王：您好"})
        )
        assert sorted([first, second]) == [200, 409], (a, b)
        assert (b if first == 200 else a)["error"] == "already_claimed"
        winner = "zhang" if first == 200 else "wang"
        after = await item_of(boss, openid)
        assert (after["status"], after["assignee"]) == ("claimed", winner)
        sent = await wait_for_sent(fake_wechat, openid, 1)
        assert [s["text"] for s in sent] == [STAFF_REPLY + ("张：您好" if winner == "zhang" else "王：您好")]
    answers = await center.scalar("SELECT COUNT(*) FROM message WHERE author = 'consultant'")
    assert answers == pairs
    assert await center.scalar("SELECT COUNT(*) FROM handoff_event WHERE kind = 'answered'") == pairs


async def test_each_list_of_the_queue_is_audited_with_the_ids_it_showed(center: RunningService):
    openids = [await open_handoff(center) for _ in range(2)]
    boss = await center.console("boss")
    shown = [(await item_of(boss, o))["id"] for o in openids]  # two lists, one item each
    everything = await boss.queue()
    rows = await center.rows("SELECT consultant_id, action, detail FROM audit_entry ORDER BY id")
    details = [r.detail if isinstance(r.detail, dict) else json.loads(r.detail) for r in rows]
    assert [r.action for r in rows] == ["list_handoffs"] * 3
    assert [d["ids"] for d in details] == [[shown[0]], [shown[1]], [i["id"] for i in everything]]
    assert await boss.queue(status="closed") == []
    assert await center.count("audit_entry") == 3  # an empty list showed nothing personal
