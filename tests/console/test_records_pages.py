"""The records view of the console in a real browser: a supervisor finds a consultation by the
words in its transcript, reads it, annotates it and exports the list; a consultant logs a phone
consultation and finds it; one record prints alone.

Consultations come the way they come in production: citizens write over the signed WeChat
protocol, a consultant answers through the console API; phone consultations are logged in the page.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import load_workbook
from playwright.async_api import Page, expect

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, RunningService, ServiceFactory
from tests.console.conftest import TabOpener

WORDS = "老板拖欠我三个月工资"
OTHER_WORDS = "邻居装修太吵了怎么办"
ANSWER = "您好，拖欠工资可以先向劳动监察大队投诉，也可以申请劳动仲裁。"
ANNOTATION = "答复及时，建议补充仲裁时效的说明。"
PHONE_SUMMARY = "来电询问工伤认定的申请期限，已告知一年内向社保部门申请。"
CALLER = {"name": "王小明", "phone": "13812345678"}
PHONE_CALL = {
    "channel": "phone",
    "received_at": "2026-11-25T09:30:00+08:00",
    "specialty": "labor",
    "summary": PHONE_SUMMARY,
    "outcome": "b",
    "identity_refused": True,
}


async def handed_off_and_answered(svc: RunningService, consultant: str) -> dict[str, Any]:
    """A citizen asks for a human about unpaid wages; `consultant` claims, answers and closes (a)."""
    citizen = svc.citizen()
    await citizen.say(WORDS)
    await citizen.say("转人工")
    staff = await svc.console(consultant)
    (item,) = await staff.queue(status="open")
    for path, body in (("claim", {}), ("messages", {"text": ANSWER}), ("close", {"outcome": "a"})):
        status, answer = await staff.post(f"/api/handoffs/{item['id']}/{path}", body)
        assert status == 200, answer
    return item


async def records_view(page: Page) -> None:
    await page.click("#nav-records")
    await expect(page.locator("#records-layout")).to_be_visible()
    await expect(page.locator("#queue-layout")).to_be_hidden()
    await expect(page.locator("#records-summary")).to_contain_text("共")


def rows(page: Page) -> Any:
    return page.locator("#records-rows tr.record-row")


async def test_a_supervisor_finds_reads_annotates_and_exports_a_consultation(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    await svc.add_account("boss", role="supervisor")
    await handed_off_and_answered(svc, "zhang")
    await svc.citizen().say(OTHER_WORDS)  # a bot-only consultation, about something else
    status, logged = await (await svc.console("zhang")).post("/api/consultations", PHONE_CALL)
    assert status == 201, logged

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("boss")
    await records_view(page)
    await expect(rows(page)).to_have_count(3)
    await expect(page.locator("#records-summary")).to_contain_text("共 3 条记录")
    await tab.screenshot("console-records-laptop.png")

    await page.fill("#rec-consultant", "zhang")
    await page.click("#records-search")
    await expect(rows(page)).to_have_count(2)  # the one zhang answered and the one zhang logged
    await page.fill("#rec-consultant", "nobody")
    await page.click("#records-search")
    await expect(page.locator("#alert-text")).to_have_text("没有这个咨询员用户名")
    await expect(page.locator("#rec-consultant")).to_have_attribute("aria-invalid", "true")
    await page.fill("#rec-consultant", "")

    await page.fill("#rec-q", "拖欠")
    await page.click("#records-search")
    await expect(page.locator("#alert")).to_be_hidden()  # the wrong name is put right
    await expect(rows(page)).to_have_count(1)
    await expect(page.locator("#records-summary")).to_contain_text("共 1 条记录")
    found = rows(page).first
    await expect(found).to_contain_text("zhang")
    await expect(found).to_contain_text("引导申请法律援助")
    record_id = await found.get_attribute("data-id")

    await found.click()
    await expect(page.locator("#record")).to_be_visible()
    await expect(page.locator("#records-list-view")).to_be_hidden()
    transcript = page.locator("#record-transcript")
    await expect(transcript.locator("li.msg-citizen .msg-text").first).to_have_text(WORDS)
    await expect(transcript.locator("li.msg-consultant .msg-text")).to_have_text([ANSWER])
    await expect(page.locator("#record-facts")).to_contain_text("zhang")

    await page.fill("#annotation-text", ANNOTATION)
    await page.click("#annotation-submit")
    await expect(page.locator("#record-annotations")).to_contain_text(ANNOTATION)
    await expect(page.locator("#record-annotations")).to_contain_text("boss")
    await page.set_viewport_size({"width": 1280, "height": 1100})  # the facts and the whole transcript
    await page.locator("#status").evaluate("flash => { flash.textContent = ''; }")
    await page.locator("#record").evaluate("record => record.scrollIntoView()")
    await tab.screenshot("console-record-transcript-laptop.png")
    await page.set_viewport_size({"width": 1280, "height": 800})
    viewed = "SELECT COUNT(*) FROM audit_entry WHERE action = 'view_consultation'"
    assert await svc.scalar(viewed) == 1  # the annotation came back without a second read

    await page.click("#record-back")
    await expect(rows(page)).to_have_count(1)  # the words are still the filter
    await expect(page.locator("#rec-q")).to_have_value("拖欠")
    csv_link = page.locator("#records-export-csv")
    await expect(csv_link).to_have_attribute("href", re.compile(r"q=%E6%8B%96%E6%AC%A0"))
    async with page.expect_download() as download_info:
        await csv_link.click()
    download = await download_info.value
    raw = (await download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel reads the Chinese
    exported = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert exported[0][:2] == ["编号", "接收时间"]
    assert [line[0] for line in exported[1:]] == [record_id]  # the one consultation the words found
    assert "zhang" in exported[1]
    async with page.expect_download() as download_info:
        await page.click("#records-export-xlsx")
    xlsx = (await (await download_info.value).path()).read_bytes()  # saved without a file name
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["编号", int(record_id)]
    exports = "SELECT COUNT(*) FROM audit_entry WHERE action = 'export_consultations'"
    assert await svc.scalar(exports) == 2

    # Read again from the server (the page may show the record it holds before the answer comes,
    # so wait for the server's answer, which is sent after its audit entry is written).
    record_url = re.compile(rf"/api/consultations/{record_id}(\?|$)")
    async with page.expect_response(lambda r: bool(record_url.search(r.url)) and r.request.method == "GET"):
        await found.click()
    await expect(page.locator("#record-annotations")).to_contain_text(ANNOTATION)  # the annotation was kept
    assert await svc.scalar(viewed) == 2
    tab.assert_no_script_errors()


async def test_a_consultant_logs_a_phone_consultation_and_finds_it(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor"])

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("zhang")
    await records_view(page)
    await expect(page.locator("#records-export-csv")).to_be_hidden()  # exports are for supervisors
    await expect(page.locator("#records-empty")).to_be_visible()

    await page.click("#records-new")
    await expect(page.locator("#record-log-form")).to_be_visible()
    await expect(page.locator("#log-received-at")).to_have_value("2026-11-25T10:00")
    await page.fill("#log-summary", PHONE_SUMMARY)
    await page.select_option("#log-specialty", "labor")
    await page.select_option("#log-outcome", "b")
    await page.click("#log-submit")
    await expect(page.locator("#alert-text")).to_contain_text("姓名和联系电话")  # 002 §6.2 f
    await page.fill("#log-name", CALLER["name"])
    await page.fill("#log-phone-number", "12345")
    await page.click("#log-submit")
    await expect(page.locator("#alert-text")).to_have_text("联系电话应为 11 位手机号，或带区号的固定电话")
    await expect(page.locator("#log-phone-number")).to_have_attribute("aria-invalid", "true")
    assert await svc.count("consultation") == 0  # the server refused it, nothing was saved
    await page.fill("#log-phone-number", CALLER["phone"])
    await page.click("#log-submit")

    await expect(page.locator("#record")).to_be_visible()
    await expect(page.locator("#record-summary")).to_have_text(PHONE_SUMMARY)
    await expect(page.locator("#record-facts")).to_contain_text("电话")
    await expect(page.locator("#record-facts")).to_contain_text("已给法律建议")
    await expect(page.locator("#annotation-form")).to_be_hidden()  # annotating is for supervisors
    identity = page.locator("#record-identity")
    await expect(identity).not_to_have_text("加载中…")
    assert CALLER["phone"] not in await identity.inner_text()  # masked until revealed
    await page.click("#record-reveal")
    await expect(identity).to_contain_text(CALLER["phone"])
    await expect(identity).to_contain_text(CALLER["name"])

    await page.click("#record-back")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text("电话")
    await expect(rows(page).first).to_contain_text("zhang")
    await page.select_option("#rec-channel", "wechat")
    await expect(rows(page)).to_have_count(0)
    await page.select_option("#rec-channel", "phone")
    await expect(rows(page)).to_have_count(1)
    tab.assert_no_script_errors()


async def test_the_print_page_shows_the_record_without_the_navigation(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    await svc.add_account("boss", role="supervisor")
    await handed_off_and_answered(svc, "zhang")
    boss = await svc.console("boss")
    status, listed = await boss.get("/api/consultations", q="拖欠")
    assert status == 200 and listed["total"] == 1, listed
    record_id = listed["items"][0]["id"]

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("boss")
    await page.goto(f"{tab.url}#/records/{record_id}")
    await expect(page.locator("#record")).to_be_visible()
    await page.click("#record-print")
    await expect(page).to_have_url(re.compile(rf"#/records/{record_id}/print$"))
    await expect(page.locator(".topbar")).to_be_hidden()
    await expect(page.locator("#print-now")).to_be_visible()
    await expect(page.locator(".print-heading")).to_have_text("法律援助咨询记录")
    await expect(page.locator("#record-transcript li.msg-consultant .msg-text")).to_have_text([ANSWER])
    await page.reload()  # the print page opens by its own address too
    await expect(page.locator("#record-facts")).to_contain_text("zhang")
    await expect(page.locator(".topbar")).to_be_hidden()

    await page.emulate_media(media="print")  # what the printer gets: the record and nothing else
    await expect(page.locator("#record-facts")).to_be_visible()
    await expect(page.locator("#record-transcript")).to_be_visible()
    for hidden in ("#print-now", "#annotation-form", "#records-list-view", ".topbar"):
        await expect(page.locator(hidden)).to_be_hidden()
    await page.emulate_media(media="screen")

    await page.click("#print-exit")
    await expect(page.locator(".topbar")).to_be_visible()
    await expect(page.locator(".record-toolbar")).to_be_visible()
    tab.assert_no_script_errors()
