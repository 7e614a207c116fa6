"""The consultant console in a real browser: what a consultant sees while citizens write on WeChat.

Each test drives the page served at /console/ against the real service (real databases, Redis,
the fake WeChat API). The page's clock is frozen at the service's movable clock, so its countdowns
and colours agree with the server's deadlines.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from bot.clock import MovableClock
from tests.conftest import CONSOLE_PASSWORD, STAFF_REPLY, WORKDAY_MORNING, FakeWeChatServer, ServiceFactory
from tests.console.conftest import TabOpener

REPLY = "您好，请问有劳动合同吗？"
CLOSING_TEXT = "这次咨询已结束。工作人员建议您申请法律援助"  # outcome a: guided to apply


async def test_a_wrong_password_is_refused_and_the_right_one_opens_the_console(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    tab = await open_tab(svc)
    page = tab.page
    await page.goto(tab.url)
    await expect(page.locator("#login-view")).to_be_visible()
    await expect(page.locator("#main-view")).to_be_hidden()

    await page.fill("#username", "zhang")
    await page.fill("#password", "not-the-password")
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).to_have_text("用户名或密码不正确")
    await expect(page.locator("#main-view")).to_be_hidden()

    await page.fill("#password", CONSOLE_PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#main-view")).to_be_visible()
    await expect(page.locator("#login-view")).to_be_hidden()
    await expect(page.locator("#me")).to_contain_text("zhang")
    await expect(page.locator("#tab-open")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#queue-empty")).to_be_visible()
    await expect(page.locator("#live-status")).to_have_text("实时更新")

    await page.reload()  # the session cookie keeps the consultant logged in
    await expect(page.locator("#main-view")).to_be_visible()
    await expect(page.locator("#me")).to_contain_text("zhang")
    tab.assert_no_script_errors()


async def test_a_request_for_a_human_appears_live_and_is_claimed_and_answered(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, open_tab: TabOpener
):
    """The issue's acceptance path, as the consultant sees it."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    await expect(page.locator("#queue-empty")).to_be_visible()

    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")

    # No reload: the live stream brings the new item into the 待认领 list.
    item = tab.item()
    await expect(item).to_have_count(1)
    await expect(item.locator(".qi-specialty")).to_have_text("劳动争议")
    await expect(item.locator(".qi-kind")).to_have_text("在线咨询")
    await expect(item.locator(".countdown")).to_have_text("剩余 5小时0分")
    await expect(item).not_to_have_class(re.compile(r"due-soon|breached"))

    await item.click()
    await expect(page.locator("#conversation")).to_be_visible()
    await expect(page.locator("#packet")).to_contain_text("市民要求人工")
    await expect(page.locator("#packet")).to_contain_text("拖欠")
    await expect(page.locator("#conv-deadline")).to_contain_text("截止 11月25日 15:00")
    citizen_lines = page.locator("#transcript li.msg-citizen .msg-text")
    await expect(citizen_lines).to_have_text(["老板拖欠我三个月工资", "转人工"])
    bot_replies = page.locator("#transcript li.msg-bot .msg-delivery")
    await expect(bot_replies).to_have_count(2)
    await expect(bot_replies).to_have_text([re.compile("^已送达"), re.compile("^已送达")])
    assert citizen.openid not in await page.content()  # the console shows an alias only

    await page.click("#claim")
    await expect(page.locator("#conv-meta")).to_contain_text("处理人 zhang")
    await expect(page.locator("#claim")).to_be_disabled()
    await expect(page.locator("#reply-text")).to_be_enabled()

    labels = await page.locator("#knowledge option").all_text_contents()
    assert len(labels) > 2 and len(set(labels)) == len(labels)  # every entry can be told apart
    await page.fill("#reply-text", REPLY)
    await page.select_option("#knowledge", label="劳动争议")
    reply = await page.input_value("#reply-text")
    assert reply.startswith(REPLY + "\n") and "12333" in reply  # the answer, on its own line
    await page.click("#send-reply")

    sent_line = page.locator("#transcript li.msg-consultant")
    await expect(sent_line).to_have_count(1)
    await expect(sent_line.locator(".msg-text")).to_have_text(reply)
    await expect(sent_line.locator(".msg-delivery")).to_have_class("msg-delivery delivery-sent")
    await expect(sent_line.locator(".msg-delivery")).to_contain_text("已送达")
    await expect(page.locator("#reply-text")).to_have_value("")

    sent = await fake_wechat.sent(citizen.openid)
    assert sent[-1]["text"] == STAFF_REPLY + reply  # the console shows the words, WeChat who wrote them

    # The claimed item left 待认领 and waits under 处理中, answered.
    await expect(tab.item()).to_have_count(0)
    await page.click("#tab-claimed")
    await expect(tab.item()).to_have_count(1)
    await expect(tab.item().locator(".countdown")).to_have_text("已答复")
    await expect(tab.item()).to_have_class(re.compile(r"\bselected\b"))
    # In one step in the page: a live update may re-render the transcript at any moment.
    await page.locator("#transcript").evaluate("list => list.lastElementChild.scrollIntoView(false)")
    await tab.screenshot("console-conversation-laptop.png")

    # The citizen writes again: the next reply is due (10:00 + 5 h) and the item counts down again.
    await citizen.say("合同我找找，工资条有")
    await expect(tab.item().locator(".countdown")).to_have_text("剩余 5小时0分")
    tab.assert_no_script_errors()


async def test_items_turn_amber_within_the_last_hour_and_red_once_breached(
    start_service: ServiceFactory, open_tab: TabOpener
):
    clock = MovableClock(WORKDAY_MORNING)  # 10:00 in Beijing; online deadlines are 5 hours away
    # Sessions expire on the service's clock; this test moves it 5 hours while logged in.
    svc = await start_service(clock=clock, console_session_minutes=24 * 60)
    await svc.add_account("zhang")  # general: serves every queue
    first, second, third = svc.citizen(), svc.citizen(), svc.citizen()
    await first.say("老板拖欠我三个月工资")
    await first.say("转人工")  # due 15:00
    clock.advance(minutes=40)
    await second.say("转人工")  # due 15:40
    clock.advance(minutes=50)
    await third.say("转人工")  # due 16:30
    api = await svc.console("zhang")
    first_id, second_id, third_id = [
        (await api.queue(openid=citizen.openid))[0]["id"] for citizen in (first, second, third)
    ]

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    items = tab.item()
    await expect(items).to_have_count(3)
    await expect(page.locator("#queue li.queue-item.due-soon, #queue li.queue-item.breached")).to_have_count(
        0
    )
    await expect(tab.item(first_id).locator(".countdown")).to_have_text("剩余 3小时30分")

    clock.advance(hours=3)  # 14:30: the first is half an hour from its deadline
    await svc.sweep()
    await tab.at_service_time()
    await expect(tab.item(first_id)).to_have_class(re.compile(r"\bdue-soon\b"))
    await expect(tab.item(first_id).locator(".countdown")).to_have_text("剩余 30分")
    await expect(tab.item(second_id)).not_to_have_class(re.compile(r"due-soon|breached"))
    await expect(tab.item(third_id)).not_to_have_class(re.compile(r"due-soon|breached"))
    await expect(page.locator("#notices-count")).to_be_visible()  # the 60-minute reminder

    clock.advance(minutes=31)  # 15:01: the first is breached, the second due within the hour
    assert await svc.sweep() >= 1
    # The server's breach reaches the page through the live stream, even before its clock moves on.
    await expect(tab.item(first_id)).to_have_class(re.compile(r"\bbreached\b"))
    await tab.at_service_time()
    await expect(tab.item(first_id)).not_to_have_class(re.compile(r"due-soon"))
    await expect(tab.item(first_id).locator(".countdown")).to_have_text("已超时 1分")
    await expect(tab.item(second_id)).to_have_class(re.compile(r"\bdue-soon\b"))
    await expect(tab.item(second_id).locator(".countdown")).to_have_text("剩余 39分")
    await expect(tab.item(third_id)).not_to_have_class(re.compile(r"due-soon|breached"))
    await tab.screenshot("console-queue-laptop.png")

    await page.click("#notices")
    await expect(page.locator("#notices-list")).to_contain_text(f"咨询 #{first_id} 已超过答复时限")
    await page.locator("#notices-list a", has_text=f"咨询 #{first_id} 已超过").click()
    await expect(page.locator("#conversation")).to_be_visible()
    await expect(page.locator("#conv-deadline")).to_have_class(re.compile(r"\bbreached\b"))
    await expect(page.locator("#conv-deadline")).to_contain_text("已超时")
    tab.assert_no_script_errors()


async def test_closing_with_an_outcome_moves_the_item_to_closed_and_tells_the_citizen(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")
    api = await svc.console("zhang")
    [queued] = await api.queue(status="open")
    status, _ = await api.post(f"/api/handoffs/{queued['id']}/claim")
    assert status == 200

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    await expect(page.locator("#queue-empty")).to_be_visible()  # nothing left to claim
    await page.click("#tab-claimed")
    item = tab.item(queued["id"])
    await expect(item).to_be_visible()
    await item.click()
    await expect(page.locator("#conv-meta")).to_contain_text("处理人 zhang")

    await page.fill("#note-text", "市民有工资条，可申请法律援助")
    await page.click("#add-note")
    await expect(page.locator("#notes li.note")).to_have_count(1)
    await expect(page.locator("#notes li.note")).to_contain_text("市民有工资条，可申请法律援助")
    await expect(page.locator("#note-text")).to_have_value("")

    await page.click("#close")
    await expect(page.locator("#close-form")).to_be_visible()
    await page.click("#close-submit")  # no outcome chosen yet: the browser holds the form back
    assert await page.locator("#close-outcome").evaluate("select => select.validity.valueMissing")
    await expect(page.locator("#close-form")).to_be_visible()
    await expect(page.locator("#conv-meta")).to_contain_text("处理中")
    await page.select_option("#close-outcome", "a")
    await page.fill("#close-note", "已引导到区法律援助中心申请")
    await page.click("#close-submit")

    await expect(page.locator("#close-form")).to_be_hidden()
    await expect(page.locator("#alert")).to_be_hidden()
    await expect(page.locator("#conv-meta")).to_contain_text("已结束")
    await expect(page.locator("#conv-meta")).to_contain_text(
        "结果：引导申请法律援助（已引导到区法律援助中心申请）"
    )
    await expect(page.locator("#send-reply")).to_be_disabled()
    await expect(page.locator("#transcript li.msg-bot").nth(-2)).to_contain_text(CLOSING_TEXT)
    await expect(page.locator("#transcript li.msg-bot").last).to_contain_text("请您为这次咨询打分")
    await expect(item).to_have_count(0)  # gone from 处理中

    await page.click("#tab-closed")
    await expect(item).to_be_visible()
    await expect(item.locator(".countdown")).to_contain_text("已结束")

    sent = await fake_wechat.sent(citizen.openid)
    assert sent[-2]["text"].startswith(CLOSING_TEXT)  # then the one satisfaction request
    assert sent[-1]["text"].startswith("请您为这次咨询打分")
    tab.assert_no_script_errors()


async def test_on_a_phone_the_queue_and_the_conversation_take_turns(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")

    tab = await open_tab(svc, phone=True)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    item = tab.item()
    await expect(item).to_have_count(1)
    await expect(page.locator("#conversation-pane")).to_be_hidden()
    assert await _fits_the_width(tab.page)
    await tab.screenshot("console-phone-queue.png")

    await item.tap()
    await expect(page.locator("#conversation")).to_be_visible()
    await expect(page.locator("#queue-pane")).to_be_hidden()
    await expect(page.locator("#back")).to_be_visible()
    await expect(page.locator("#transcript li.msg-citizen")).to_have_count(2)
    await expect(page.locator("#claim")).to_be_enabled()
    assert await _fits_the_width(tab.page)
    await tab.screenshot("console-phone.png")

    await page.locator("#claim").tap()
    await expect(page.locator("#conv-meta")).to_contain_text("处理人 zhang")
    await page.locator("#back").tap()
    await expect(page.locator("#queue-pane")).to_be_visible()
    await expect(page.locator("#conversation-pane")).to_be_hidden()
    await expect(page.locator("#tab-open")).to_be_visible()
    tab.assert_no_script_errors()


async def _fits_the_width(page: Page) -> bool:
    """No sideways scrolling: nothing is wider than the screen."""
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def test_a_session_ended_in_another_tab_brings_back_the_login_form(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("转人工")
    tab = await open_tab(svc)
    page = tab.page
    await tab.log_in("zhang")
    await tab.item().click()
    await expect(page.locator("#conv-meta")).to_contain_text("未认领")  # the conversation has loaded

    # Another tab of the same browser logs out (the API call its 退出 button makes).
    other = tab.context.request
    session = await (await other.get(f"{svc.url}/api/session")).json()
    ended = await other.delete(f"{svc.url}/api/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert ended.status == 200

    await page.click("#claim")
    await expect(page.locator("#login-view")).to_be_visible()
    await expect(page.locator("#main-view")).to_be_hidden()
    await expect(page.locator("#login-error")).to_have_text("登录已过期，请重新登录")

    await tab.log_in("zhang")  # and the page works again
    await expect(tab.item()).to_have_count(1)
    await tab.item().click()
    await page.click("#claim")
    await expect(page.locator("#conv-meta")).to_contain_text("处理人 zhang")
    await expect(page.locator("#alert")).to_be_hidden()
    tab.assert_no_script_errors()


async def test_a_new_login_in_another_tab_refreshes_the_pages_csrf_token(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("转人工")
    tab = await open_tab(svc)
    page = tab.page
    await tab.log_in("zhang")
    await tab.item().click()
    await expect(page.locator("#conv-meta")).to_contain_text("未认领")  # the conversation has loaded

    # A second tab (same cookies) logs out and in again: a new session with a new CSRF token.
    second = await open_tab(svc, context=tab.context)
    await second.page.goto(second.url)
    await expect(second.page.locator("#main-view")).to_be_visible()
    await second.page.click("#logout")
    await second.log_in("zhang")

    # The first tab still holds the old token: its action is refused once, then retried.
    await page.click("#claim")
    await expect(page.locator("#conv-meta")).to_contain_text("处理人 zhang")
    await expect(page.locator("#alert")).to_be_hidden()
    await expect(page.locator("#main-view")).to_be_visible()
    tab.assert_no_script_errors()
    second.assert_no_script_errors()


async def test_phone_numbers_show_masked_until_the_consultant_opens_them(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资，我电话13987651234")
    await citizen.say("转人工")
    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    await tab.item().click()
    first = page.locator("#transcript li.msg-citizen .msg-text").first
    await expect(first).to_have_text("老板拖欠我三个月工资，我电话139****1234")
    assert "13987651234" not in await page.content()

    await page.click("#reveal")
    await expect(first).to_have_text("老板拖欠我三个月工资，我电话13987651234")
    await expect(page.locator("#reveal")).to_be_hidden()
    assert await svc.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'reveal_handoff'") >= 1
    tab.assert_no_script_errors()
