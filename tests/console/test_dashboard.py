"""The dashboard in a real browser: every figure on the page equals GET /api/stats for the same
period, the charts are images our own server drew, a supervisor reviews the week's sample from the
page, and consultants never see the dashboard.

With LEGALAID_SCREENSHOTS=1 it saves docs/screenshots/dashboard.png (Chinese glyphs need Debian's
fonts-noto-cjk).
"""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import expect

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ConsoleClient, ServiceFactory
from tests.console.conftest import ConsoleTab, TabOpener
from tests.e2e.test_stats_api import seed_three_days

PERIOD = {"from": "2026-11-23", "to": "2026-11-25"}


def at(stats: Any, path: str) -> Any:
    """The value at a dotted path of the API's JSON (list items by their index)."""
    for part in path.split("."):
        stats = stats[int(part)] if isinstance(stats, list) else stats[part]
    return stats


async def figures_on_page(tab: ConsoleTab) -> dict[str, Any]:
    found = await tab.page.eval_on_selector_all(
        "#dashboard-body [data-figure]", "cells => cells.map(c => [c.dataset.figure, c.dataset.value])"
    )
    return {path: json.loads(value) for path, value in found}


async def assert_page_equals_api(tab: ConsoleTab, boss: ConsoleClient) -> dict[str, Any]:
    status, stats = await boss.get("/api/stats", **PERIOD)
    assert status == 200
    shown = await figures_on_page(tab)
    assert len(shown) > 60
    for path, value in shown.items():
        assert value == at(stats, path), path
    # Every figure of the API is on the page (by day, channel, kind, specialty, grade, consultant...).
    for path in (
        "volumes.total",
        "deadlines.online.rate",
        "deadlines.message.breached",
        "first_response.p95",
        "now.breached",
        "satisfaction.rate",
        "satisfaction.distribution.5",
        "outcomes.none",
        "quality.review_average",
        "volumes.by_day.2.count",
        "volumes.by_kind.none",
        f"volumes.by_specialty.{len(stats['volumes']['by_specialty']) - 1}.count",
        f"quality.by_consultant.{len(stats['quality']['by_consultant']) - 1}.review_average",
    ):
        assert path in shown, path
    return stats


async def test_the_dashboard_shows_the_apis_figures_and_charts(
    start_service: ServiceFactory, open_tab: TabOpener
):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    ids = await seed_three_days(svc)
    boss = await svc.console("boss")

    tab = await open_tab(svc)
    page = tab.page
    await tab.at_service_time()
    await tab.log_in("boss")
    await expect(page.locator("#nav-dashboard")).to_be_visible()
    await page.click("#nav-dashboard")
    await expect(page.locator("#dashboard-layout")).to_be_visible()
    await expect(page.locator("#queue-layout")).to_be_hidden()
    await expect(page.locator("#dashboard-body")).to_have_attribute("data-loaded", "2026-10-27/2026-11-25")

    await page.fill("#dash-from", PERIOD["from"])
    await page.fill("#dash-to", PERIOD["to"])
    await page.click("#dash-apply")
    await expect(page.locator("#dashboard-body")).to_have_attribute("data-loaded", "2026-11-23/2026-11-25")
    stats = await assert_page_equals_api(tab, boss)
    assert stats["volumes"]["total"] == 7
    await expect(page.locator("#dash-deadline-table")).to_contain_text("100.0%")
    await expect(page.locator("#dash-response-table")).to_contain_text("1800.0 分钟")
    await expect(page.locator("#dash-satisfaction-table")).to_contain_text("66.7%")

    charts = page.locator("#dashboard-body img.chart")
    assert await charts.count() == 8
    for i in range(8):
        image = charts.nth(i)
        assert "from=2026-11-23" in (await image.get_attribute("src") or "")
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await image.element_handle()
        )

    quality_chart = await page.locator("#chart-quality").get_attribute("src")

    # The week's sample, reviewed from the page: wang's consultation of the 24th.
    await page.fill("#dash-week", "2026-W48")
    await page.click("#dash-week-apply")
    wang = page.locator(f'#dash-sample-table tr.sample-item[data-consultation="{ids[1]}"]')
    await expect(wang).to_contain_text("未评")
    await expect(page.locator("#dash-sample-table tr.sample-item")).to_have_count(6)  # zhang 3, wang 3
    await wang.locator(".sample-open").click()
    for key, points in (("accuracy", 35), ("guidance", 25), ("manner", 20), ("record", 5)):
        await page.fill(f"#rubric-{key}", str(points))
    await expect(page.locator("#review-total")).to_have_text("合计 85 分")
    await page.fill("#review-note", "告知援助条件准确")
    await page.click("#review-submit")
    await expect(wang.locator(".sample-score")).to_have_text("85（boss）")
    await expect(page.locator('[data-figure="quality.reviewed"]')).to_have_attribute("data-value", "2")
    stats = await assert_page_equals_api(tab, boss)
    assert stats["quality"]["review_average"] == 77.5
    assert await page.locator("#chart-quality").get_attribute("src") != quality_chart  # redrawn

    await expect(page.locator("#status")).to_be_empty()  # the "saved" note has faded
    await page.set_viewport_size({"width": 1280, "height": 3600})
    await page.locator("#dashboard-layout").evaluate("layout => layout.scrollTo(0, 0)")
    await tab.screenshot("dashboard.png")
    tab.assert_no_script_errors()


async def test_a_consultant_has_no_dashboard(start_service: ServiceFactory, open_tab: TabOpener):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang")
    tab = await open_tab(svc)
    page = tab.page
    await tab.log_in("zhang")
    await expect(page.locator("#nav-dashboard")).to_be_hidden()
    await page.goto(f"{tab.url}#/dashboard")
    await expect(page.locator("#queue-layout")).to_be_visible()
    await expect(page.locator("#dashboard-layout")).to_be_hidden()
    assert not page.url.endswith("#/dashboard")
    tab.assert_no_script_errors()
