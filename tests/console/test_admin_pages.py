"""The accounts view (admins) and the audit view (supervisors and admins) in a real browser:
an admin creates and disables an account and reads both changes on the log; other roles do not
see what they may not use."""

from __future__ import annotations

from playwright.async_api import expect

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ServiceFactory
from tests.console.conftest import TabOpener


async def test_an_admin_creates_and_disables_an_account_and_reads_it_on_the_log(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("root", role="admin", specialties=[])
    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("root")

    await page.click("#nav-users")
    await expect(page.locator("#users-layout")).to_be_visible()
    await expect(page.locator("#queue-layout")).to_be_hidden()
    await page.click("#users-new")
    await page.fill("#user-username", "li")
    await page.fill("#user-password", "password")
    await page.select_option("#user-role", "consultant")
    await page.check('#user-specialties input[value="family"]')
    await page.click("#user-submit")
    await expect(page.locator("#alert-text")).to_contain_text("常见密码")  # refused: a common one
    await expect(page.locator("#user-password")).to_have_attribute("aria-invalid", "true")
    await page.fill("#user-password", "sturdy-lantern-42")
    await page.click("#user-submit")
    await expect(page.locator("#user-title")).to_have_text("li")
    await expect(page.locator("#user-queues")).to_contain_text("婚姻家庭")
    await expect(page.locator("#users li.account-item")).to_have_count(2)

    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#user-toggle")
    await expect(page.locator("#user-meta")).to_contain_text("已停用")
    await expect(page.locator("#user-toggle")).to_have_text("启用账号")
    assert await svc.scalar("SELECT active FROM consultant WHERE username = 'li'") in (False, 0)
    await tab.screenshot("accounts.png")

    await page.click("#nav-audit")
    await expect(page.locator("#audit-layout")).to_be_visible()
    await expect(page.locator("#users-layout")).to_be_hidden()
    rows = page.locator("#audit-rows tr")
    await expect(rows.first).to_contain_text("停用账号")
    await expect(page.locator("#audit-rows")).to_contain_text("新建账号")
    await expect(rows.first).to_contain_text("127.0.0.1")
    await page.select_option("#audit-action", "create_account")
    await page.click("#audit-search")
    await expect(rows).to_have_count(1)
    await expect(page.locator("#audit-export")).to_have_attribute(
        "href", "/api/audit/export?format=csv&action=create_account"
    )
    await tab.screenshot("audit-log.png")
    tab.assert_no_script_errors()


async def test_each_role_sees_only_the_views_it_may_use(start_service: ServiceFactory, open_tab: TabOpener):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    await svc.add_account("boss", role="supervisor")
    for name, users, audit in (("zhang", False, False), ("boss", False, True)):
        tab = await open_tab(svc)
        await tab.at_service_time()
        await tab.log_in(name)
        page = tab.page
        for link, shown in (("#nav-users", users), ("#nav-audit", audit)):
            if shown:
                await expect(page.locator(link)).to_be_visible()
            else:
                await expect(page.locator(link)).to_be_hidden()
        await page.goto(f"{tab.url}#/users")  # typed by hand: the queue, not the accounts
        await expect(page.locator("#main-view")).to_be_visible()
        await expect(page.locator("#users-layout")).to_be_hidden()
        tab.assert_no_script_errors()
