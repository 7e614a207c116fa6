"""Browser fixtures: Debian's Chromium (never a downloaded one) driving the real console page.

The service runs in the test's own event loop (start_service), so the tests use Playwright's
async API. A browser is launched per test: a session-wide one would outlive the function-scoped
event loops.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    async_playwright,
    expect,
)

from bot.settings import REPO_ROOT
from tests.conftest import CONSOLE_PASSWORD, RunningService

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 10_000  # the longest any expectation waits (a live update, a reply's delivery)
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

expect.set_options(timeout=WAIT_MS)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class ConsoleTab:
    """One browser tab on the console, and the script errors it raised (there must be none)."""

    svc: RunningService
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.svc.url}/console/"

    async def at_service_time(self) -> None:
        """Freeze the page's clock at the service's (movable) clock, so countdowns agree with it."""
        await self.page.clock.set_fixed_time(self.svc.clock.now())

    async def log_in(self, username: str, password: str = CONSOLE_PASSWORD) -> None:
        page = self.page
        if page.url != self.url:
            await page.goto(self.url)
        await expect(page.locator("#login-view")).to_be_visible()
        await page.fill("#username", username)
        await page.fill("#password", password)
        # The page reads the queue and the notices on login, and again once its live stream is
        # open (to catch up on what changed in between). Waiting for both keeps a test's next step
        # (a logout elsewhere, say) from racing a request the login started.
        seen: Counter[str] = Counter()

        def second_read(response: Response) -> bool:
            seen[urlsplit(response.url).path] += 1
            return seen["/api/handoffs"] >= 2 and seen["/api/notices"] >= 2

        async with page.expect_response(second_read):
            await page.click("#login-submit")
            await expect(page.locator("#main-view")).to_be_visible()
        # The live stream is open before the test goes on, so no change can slip past it.
        await expect(page.locator("#live-status")).to_have_text("实时更新")

    def item(self, handoff_id: int | None = None) -> Locator:
        selector = "#queue li.queue-item" + ("" if handoff_id is None else f'[data-id="{handoff_id}"]')
        return self.page.locator(selector)

    async def screenshot(self, name: str) -> None:
        """For the issue's closing note: only with LEGALAID_SCREENSHOTS=1, so CI writes no files."""
        if os.environ.get("LEGALAID_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / name), full_page=False)

    def assert_no_script_errors(self) -> None:
        assert self.errors == [], self.errors


TabOpener = Callable[..., Awaitable[ConsoleTab]]


@pytest.fixture
async def open_tab(browser: Browser) -> AsyncIterator[TabOpener]:
    """Opens console tabs: each in a fresh context (own cookies), or in `context` to share a login."""
    contexts: list[BrowserContext] = []

    async def open_(
        svc: RunningService, *, phone: bool = False, context: BrowserContext | None = None
    ) -> ConsoleTab:
        if context is None:
            context = await browser.new_context(
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport=PHONE if phone else LAPTOP,
                device_scale_factor=2 if phone else 1,
                is_mobile=phone,
                has_touch=phone,
            )
            contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        tab = ConsoleTab(svc, context, page)

        def on_console(msg: ConsoleMessage) -> None:
            # A refused request (401 after a logout) is logged by the browser itself, not by the script.
            if msg.type == "error" and "Failed to load resource" not in msg.text:
                tab.errors.append(f"console.error: {msg.text}")

        page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
        page.on("console", on_console)
        return tab

    try:
        yield open_
    finally:
        for context in contexts:
            await context.close()  # closes its pages (and their live streams) before the service stops
