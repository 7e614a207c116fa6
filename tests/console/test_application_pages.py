"""The applications view of the console in a real browser: the list with its filters and deadline
colours, one application with its photo decrypted on the fly, and the review forms.

Applications are seeded through the store as the WeChat intake leaves them; what the citizen
receives is read from the fake WeChat API.
"""

from __future__ import annotations

import re

from playwright.async_api import expect

from bot.clock import MovableClock
from tests.application_seed import APPLICANT, seed_application
from tests.conftest import WORKDAY_MORNING, FakeWeChatServer, ServiceFactory
from tests.console.conftest import TabOpener


async def test_a_supervisor_lists_opens_sees_the_photo_and_rejects_with_a_reason(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("boss", role="supervisor")
    submitted = await seed_application(svc)
    reviewing = await seed_application(svc, status="under_review", district="青山区")

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("boss")
    await page.click("#nav-applications")
    await expect(page.locator("#applications-layout")).to_be_visible()
    await expect(page.locator("#queue-layout")).to_be_hidden()
    items = page.locator("#applications li.application-item")
    await expect(items).to_have_count(2)
    await expect(page.locator(f'li[data-number="{reviewing.number}"]')).to_have_class(
        re.compile(r"deadline-ok")
    )
    await expect(page.locator(f'li[data-number="{submitted.number}"]')).to_contain_text("缺：案件材料")
    assert APPLICANT["name"] not in await page.locator("#applications").inner_text()

    await page.select_option("#app-filter-district", "青山区")
    await expect(items).to_have_count(1)
    await expect(items).to_have_attribute("data-number", reviewing.number)
    await page.select_option("#app-filter-district", "")
    await expect(items).to_have_count(2)

    await page.locator(f'li[data-number="{submitted.number}"]').click()
    await expect(page.locator("#application")).to_be_visible()
    await expect(page.locator("#app-particulars")).to_contain_text(APPLICANT["name"])
    await expect(page.locator("#app-particulars")).to_contain_text(APPLICANT["id_number"])
    await expect(page.locator("#app-history")).to_contain_text("提交申请")
    image = page.locator("#app-documents img.document-image")
    await expect(image).to_have_count(1)
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await image.element_handle()
    )
    assert await image.evaluate("img => img.naturalWidth") == 8  # the 8×8 PNG, decrypted on the fly
    assert await svc.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'view_document'") >= 1
    await tab.screenshot("console-application-laptop.png")

    await page.click("#app-decide")
    await page.check("#app-reject")
    await page.click("#app-decide-submit")
    await expect(page.locator("#alert-text")).to_have_text("不予法律援助须填写理由")
    reason = "家庭人均月收入高于本市经济困难标准"
    await page.fill("#app-decide-reason", reason)
    await page.click("#app-decide-submit")
    await expect(page.locator("#app-meta")).to_contain_text("不予援助")
    await expect(page.locator("#app-history")).to_contain_text(reason)
    await expect(page.locator("#app-decide")).to_be_disabled()

    told = (await fake_wechat.sent(submitted.openid))[-1]["text"]
    assert reason in told and "司法行政部门提出异议" in told
    tab.assert_no_script_errors()


async def test_a_consultant_asks_for_materials_once_from_the_form(
    start_service: ServiceFactory, fake_wechat: FakeWeChatServer, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])
    seeded = await seed_application(svc, status="under_review")

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    await page.goto(f"{tab.url}#/a/{seeded.number}")
    await expect(page.locator("#application")).to_be_visible()
    await expect(page.locator("#app-decide")).to_be_disabled()  # consultants do not decide

    await page.click("#app-request")
    await page.check('input[name="app-kind"][value="economic_proof"]')
    await page.fill("#app-request-text", "户口本首页照片")
    await page.click("#app-request-submit")
    await expect(page.locator("#app-meta")).to_contain_text("待补材料")
    await expect(page.locator("#app-request")).to_be_disabled()

    notice = (await fake_wechat.sent(seeded.openid))[-1]["text"]
    assert "经济困难证明" in notice and "户口本首页照片" in notice
    tab.assert_no_script_errors()
