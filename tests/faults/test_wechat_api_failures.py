"""The WeChat API fails while a consultant answers: timeouts, 5xx, busy, 45015, 45047, expired tokens.

Every failure must end with the answer in the citizen's chat exactly once, through the service's
own paths: bounded retries inside one call, the retry job after its back-off (driven here as the
alarm drives it: the clock moves and `send_due` runs), or, for a refusal, held with one template
notice and released by the citizen's next message. The fake counts every call, so the attempts
are bounded, and it records what the citizen received, so a second copy cannot hide.

A timeout is the hard case: the fake takes the message, then answers too late (WeChat may have
delivered although we saw no answer). Customer-service messages carry no idempotency key, so no
client can know. A send is therefore never repeated inside one call once it may have arrived; an
answer is retried by the retry job (at least once: one extra copy per uncertain attempt, never a
lost answer), and a notice that may have arrived counts as sent (at most once).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from bot.app import DELIVERIES, WECHAT_API
from bot.clock import MovableClock
from bot.delivery import RETRY_BACKOFF
from tests.conftest import STAFF_REPLY, WORKDAY_MORNING, FakeWeChatServer, RunningService, ServiceFactory
from tests.e2e.test_handoff_delivery import TEMPLATE_ID, answer, claimed_handoff, wait_for

TIMEOUT = 0.5  # the service's wechat_timeout_seconds here: a late answer costs a fraction of a second
LATE = 3 * TIMEOUT  # how late the fake answers in the timeout cases
MAX_RETRIES = 3  # the service's wechat_max_retries here
CALL_TRIES = MAX_RETRIES + 1  # how often one call is tried before the retry job takes over
FIRST_BACKOFF = RETRY_BACKOFF[0].total_seconds()
ANSWER = "您好，请把劳动合同和工资条拍照发给我。"


@dataclass(frozen=True, slots=True)
class Fault:
    """One way the WeChat API fails, and how the answer must still reach the citizen.

    `path`: `at_once` (the console's own send succeeds after bounded retries inside the call),
    `retried` (the answer stays pending, the retry job sends it after the back-off) or `held`
    (WeChat refuses it: one notice, released by the citizen's next message). `calls` are what
    the fake must have seen for this answer, failed calls included."""

    orders: tuple[dict[str, Any], ...]
    path: Literal["at_once", "retried", "held"]
    calls: dict[str, int]
    expire_tokens: bool = False
    errcode: int | None = None  # the errcode the pending (or held) delivery shows
    attempts: int = 1  # the delivery's own attempts until sent
    copies: int = 1  # copies of the answer the citizen ends with (2 only when WeChat answered late)


FAULTS = {
    # A 5xx may come after WeChat acted (a gateway timeout): not repeated in the call, retried later.
    "5xx": Fault(({"api": "custom_send", "status": 503},), "retried", {"custom_send": 2}, attempts=2),
    "system-busy": Fault(
        ({"api": "custom_send", "errcode": -1},), "retried", {"custom_send": 2}, errcode=-1, attempts=2
    ),
    "45015": Fault(
        ({"api": "custom_send", "errcode": 45015},),
        "held",
        {"custom_send": 2, "template_send": 1},
        errcode=45015,
        attempts=2,
    ),
    "45047": Fault(
        ({"api": "custom_send", "errcode": 45047},),
        "held",
        {"custom_send": 2, "template_send": 1},
        errcode=45047,
        attempts=2,
    ),
    "token-expired": Fault((), "at_once", {"custom_send": 2, "token": 1}, expire_tokens=True),
    "42001": Fault(({"api": "custom_send", "errcode": 42001},), "at_once", {"custom_send": 2, "token": 1}),
    "40001-after-renewal": Fault(  # the renewed token is refused too: one renewal per call, then the job
        ({"api": "custom_send", "errcode": 40001, "times": 2},),
        "retried",
        {"custom_send": 3, "token": 1},
        errcode=40001,
        attempts=2,
    ),
    "token-timeout": Fault(  # renewing an expired token times out once: a token call is safe to repeat
        ({"api": "token", "delay": LATE},),
        "at_once",
        {"custom_send": 2, "token": 2},
        expire_tokens=True,
    ),
    "timeout-notice": Fault(  # refused, and the template notice that follows answers too late
        ({"api": "custom_send", "errcode": 45015}, {"api": "template_send", "delay": LATE}),
        "held",
        {"custom_send": 2, "template_send": 1},  # the late notice counts as sent: never a second
        errcode=45015,
        attempts=2,
    ),
    # WeChat delivered but answered too late: the retry job sends the answer once more.
    "timeout": Fault(
        ({"api": "custom_send", "delay": LATE},), "retried", {"custom_send": 2}, attempts=2, copies=2
    ),
}


async def _answer_rows(svc: RunningService) -> list[Any]:
    return await svc.rows(
        "SELECT d.status, d.via, d.attempts, d.last_errcode, d.held_at, d.notice_at, d.delivered_at "
        "FROM delivery d JOIN message m ON m.id = d.message_id WHERE m.author = 'consultant'"
    )


async def _calls_since(fake: FakeWeChatServer, before: dict[str, int]) -> dict[str, int]:
    now = Counter(await fake.calls())
    now.subtract(before)
    return {api: n for api, n in now.items() if n}


async def _wait_until_sent(svc: RunningService) -> None:
    """The release after the citizen's message runs as a background job: poll its row (bounded)."""
    for _ in range(100):
        [row] = await _answer_rows(svc)
        if row.status == "sent":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the held answer was not released: {row}")


@pytest.mark.parametrize("name", FAULTS)
async def test_the_answer_reaches_the_citizen_once_whatever_the_api_does(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, name: str
) -> None:
    fault = FAULTS[name]
    clock = MovableClock(WORKDAY_MORNING)
    svc = await start_service(
        clock=clock,
        wechat_timeout_seconds=TIMEOUT,
        wechat_max_retries=MAX_RETRIES,
        wechat_notice_template_id=TEMPLATE_ID,
    )
    citizen, zhang, handoff_id = await claimed_handoff(svc)
    await svc.app[WECHAT_API].access_token()  # a token is cached, as in a service that has run a while
    before = await fake_wechat.calls()
    if fault.expire_tokens:
        await fake_wechat.expire_tokens()
    for order in fault.orders:
        await fake_wechat.fail(**order)

    first = await answer(zhang, handoff_id, ANSWER)
    expected_first = {"at_once": "sent", "retried": "pending", "held": "held"}[fault.path]
    assert (first["status"], first["errcode"]) == (expected_first, fault.errcode), first

    jobs = svc.app[DELIVERIES]
    if fault.path == "retried":
        tried = await _calls_since(fake_wechat, before)
        clock.advance(seconds=FIRST_BACKOFF / 2)
        assert await jobs.send_due() == 0  # the back-off holds: no call before it ends
        assert await _calls_since(fake_wechat, before) == tried
        clock.advance(seconds=FIRST_BACKOFF / 2 + 1)
        assert await jobs.send_due() == 1
    elif fault.path == "held":
        assert await jobs.send_due() == 0  # the retry job leaves a held answer alone
        notices = [s for s in await fake_wechat.sent(citizen.openid) if s["api"] == "template_send"]
        assert notices and {n["template_id"] for n in notices} == {TEMPLATE_ID}
        back = await citizen.say("我看到通知了")
        assert back.status == 200 and back.reply_text is not None  # the passive reply, not a send
        await wait_for(fake_wechat, citizen.openid, "custom_send", 1)
        await _wait_until_sent(svc)

    [row] = await _answer_rows(svc)
    assert (row.status, row.via, row.last_errcode) == ("sent", "custom_send", None)
    assert row.attempts == fault.attempts
    assert (row.held_at is not None, row.notice_at is not None) == (fault.path == "held",) * 2
    clock.advance(hours=1)  # long past every back-off: nothing is left to send again
    assert await jobs.send_due() == 0
    assert await _calls_since(fake_wechat, before) == fault.calls

    received = await fake_wechat.sent(citizen.openid)
    copies = [s for s in received if s["api"] == "custom_send" and s["text"] == STAFF_REPLY + ANSWER]
    notices = [s for s in received if s["api"] == "template_send"]
    assert (len(copies), len(notices)) == (fault.copies, int(fault.path == "held"))
