"""The complaints view of the console in a real browser: a supervisor sees a chat complaint with
its due date, enters one taken by phone, and replies to both; a consultant has no 投诉 link."""

from __future__ import annotations

from playwright.async_api import expect

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, ServiceFactory
from tests.console.conftest import TabOpener
from tests.e2e.test_handoff_path import wait_for_sent


async def test_a_supervisor_enters_lists_and_replies_to_complaints(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    citizen = svc.citizen()
    await citizen.say("你们的服务太差了，我要投诉，电话13800138000")

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("boss")
    await page.click("#nav-complaints")
    await expect(page.locator("#complaints-layout")).to_be_visible()
    await expect(page.locator("#queue-layout")).to_be_hidden()
    items = page.locator("#complaints li.complaint-item")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("答复期限 12月2日 24:00")  # the end of Wed 2 Dec, Beijing
    await expect(items.first).to_contain_text("138****8000")  # masked until revealed

    await page.fill("#cmp-text", "来电投诉：咨询员态度不好")
    await page.fill("#cmp-name", "张三")
    await page.fill("#cmp-phone", "13900139000")
    await page.click("#cmp-submit")
    await expect(items).to_have_count(2)
    await expect(page.locator("#complaints")).to_contain_text("张* 139****9000")

    staff = page.locator("#complaints li.complaint-item", has_text="来电投诉")
    await staff.locator("textarea").fill("已核实并批评教育")
    await staff.locator("button[type=submit]").click()
    await expect(page.locator("#status")).to_contain_text("请回电 13900139000")
    await expect(staff).to_contain_text("请回电告知投诉人")

    chat = page.locator("#complaints li.complaint-item", has_text="服务太差")
    await chat.locator("textarea").fill("已对值班人员批评教育")
    await chat.locator("button[type=submit]").click()
    await expect(page.locator("#status")).to_contain_text("已通过微信发给投诉人")
    [told] = await wait_for_sent(fake_wechat, citizen.openid, 1)
    assert "已对值班人员批评教育" in told["text"]
    await expect(page.locator("#complaints textarea")).to_have_count(0)  # both answered

    await page.click("#cmp-reveal")
    await expect(page.locator("#complaints")).to_contain_text("13800138000")
    await tab.screenshot("complaints.png")
    assert await svc.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'reveal_complaints'") == 1
    tab.assert_no_script_errors()


async def test_a_consultant_has_no_complaints_link(start_service: ServiceFactory, open_tab: TabOpener):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang")
    tab = await open_tab(svc)
    await tab.log_in("zhang")
    await expect(tab.page.locator("#nav-complaints")).to_be_hidden()
    await tab.page.goto(f"{svc.url}/console/#/complaints")
    await expect(tab.page.locator("#queue-layout")).to_be_visible()
    await expect(tab.page.locator("#complaints-layout")).to_be_hidden()
    tab.assert_no_script_errors()
