"""Who hears of a reminder or a breach (pure: a staff list and the service calendar, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.center.calendar_files import load_calendar, load_service_hours
from bot.settings import REPO_ROOT
from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_calendar import ServiceCalendar
from handoff.recipients import recipients

ZHANG = Consultant(1, "zhang", "consultant", frozenset({"labor"}), active=True)
LI = Consultant(2, "li", "consultant", frozenset({"family"}), active=True)
CHEN = Consultant(3, "chen", "supervisor", frozenset(), active=True)
ZHAO = Consultant(4, "zhao", "consultant", frozenset({"labor"}), active=False)
ROOT = Consultant(5, "root", "admin", frozenset(), active=True)
WU = Consultant(6, "wu", "consultant", frozenset({"labor"}), active=True)  # not rostered on Mondays
STAFF = [ZHANG, LI, CHEN, ZHAO, ROOT, WU]
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
MONDAY_23 = datetime(2026, 3, 2, 23, 0, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture(scope="module")
def service() -> ServiceCalendar:
    hours = load_service_hours(REPO_ROOT / "data" / "service_hours.yml")
    return ServiceCalendar(
        load_calendar(REPO_ROOT / "data" / "holidays.yml"),
        hours.hours,
        DutyRoster({1: frozenset({"zhang", "li"})}),
        hours.reminders,
    )


def test_a_reminder_goes_to_the_assignee_only(service: ServiceCalendar) -> None:
    assert recipients(STAFF, "family", ZHANG.id, MONDAY_10, "reminder", service) == [ZHANG.id]


def test_an_unclaimed_reminder_goes_to_the_queue_on_duty_or_else_to_the_queue(
    service: ServiceCalendar,
) -> None:
    assert recipients(STAFF, "labor", None, MONDAY_10, "reminder", service) == [ZHANG.id]
    assert recipients(STAFF, "labor", None, MONDAY_23, "reminder", service) == [ZHANG.id, WU.id]


def test_a_breach_also_reaches_every_supervisor(service: ServiceCalendar) -> None:
    assert recipients(STAFF, "labor", ZHANG.id, MONDAY_10, "breached", service) == [ZHANG.id, CHEN.id]


def test_nobody_for_the_queue_means_supervisors_then_admins(service: ServiceCalendar) -> None:
    assert recipients(STAFF, "criminal", None, MONDAY_10, "reminder", service) == [CHEN.id]
    assert recipients([ZHAO, ROOT], "labor", None, MONDAY_10, "reminder", service) == [ROOT.id]
