"""Working days, service hours and duty against the real data (the chinese-calendar package and data/holidays.yml)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.center.calendar_files import ServiceHoursFile, load_calendar, load_service_hours
from bot.center.center import load_center
from bot.errors import ConfigurationError
from bot.settings import REPO_ROOT
from bot.workdays.duty import Consultant, DutyRoster
from bot.workdays.service_calendar import ServiceCalendar
from bot.workdays.service_hours import ReminderPoints, ServiceHours
from bot.workdays.working_days import WorkingDayCalendar

HOLIDAYS_FILE = REPO_ROOT / "data" / "holidays.yml"
SERVICE_HOURS_FILE = REPO_ROOT / "data" / "service_hours.yml"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    """Module scope: hypothesis runs many examples per test and the file does not change."""
    return load_calendar(HOLIDAYS_FILE)


@pytest.fixture(scope="module")
def service() -> ServiceHoursFile:
    return load_service_hours(SERVICE_HOURS_FILE)


@pytest.fixture(scope="module")
def hours(service: ServiceHoursFile) -> ServiceHours:
    return service.hours


def shanghai(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A Shanghai wall-clock moment, given to the code as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI).astimezone(UTC)


# --- working days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 14), True),  # Saturday, make-up day before 春节
        (date(2026, 2, 16), False),  # Monday in 春节
        (date(2026, 2, 28), True),  # Saturday, make-up day after 春节
        (date(2026, 10, 10), True),  # Saturday, make-up day after 国庆
        (date(2026, 10, 7), False),  # last day of 国庆 2026
        (date(2026, 10, 8), True),  # Thursday: 国庆 2026 is 10.1-10.7 only
        (date(2025, 10, 8), False),  # 国庆节、中秋节 2025 ran to 10.8
        (date(2026, 1, 4), True),  # Sunday, make-up day after 元旦
        (date(2026, 9, 20), True),  # Sunday, make-up day before 国庆
        (date(2026, 5, 9), True),  # Saturday, make-up day after 劳动节
        (date(2026, 6, 19), False),  # Friday, 端午节
        (date(2026, 3, 2), True),  # ordinary Monday
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 3, 8), False),  # ordinary Sunday
    ],
)
def test_official_calendar(day: date, working: bool, calendar: WorkingDayCalendar) -> None:
    assert calendar.is_working_day(day) is working


def test_covers_only_years_the_package_or_the_file_knows(calendar: WorkingDayCalendar) -> None:
    assert calendar.covers(2004)  # the chinese-calendar package's first year
    assert calendar.covers(2025)
    assert calendar.covers(2026)
    assert not calendar.covers(2003)
    assert not calendar.covers(2099)
    # A year neither knows falls back to Monday to Friday.
    assert calendar.is_working_day(date(2099, 1, 1))  # a Thursday
    assert not calendar.is_working_day(date(2099, 1, 3))  # a Saturday


def write(tmp_path: Path, text: str, name: str = "file.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fails(path: Path, loader: object, *words: str) -> None:
    """Loading `path` stops the start with a message naming the file and each of `words`."""
    assert callable(loader)
    with pytest.raises(ConfigurationError) as caught:
        loader(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            "years:\n  2026:\n    holidays: [{name: 元旦, from: 2026-01-01, to: 2026-01-03}]\n"
            "    makeup_working_days: [2026-01-03]\n",
            ("years.2026.makeup_working_days", "2026-01-03", "both"),
        ),
        (
            "years:\n  2026:\n    holidays: [{name: 元旦, from: 2026-01-03, to: 2026-01-01}]\n",
            ("years.2026.holidays.0", "before"),
        ),
        (
            "years:\n  2026:\n    holidays: []\n    makeup_working_days: [2026-01-05]\n",
            ("years.2026.makeup_working_days", "Saturday or Sunday"),
        ),
        (
            "years:\n  2026:\n    holidays: [{name: 国庆节, from: 2025-10-01, to: 2025-10-07}]\n",
            ("years.2026.holidays.0", "not in 2026"),
        ),
        (
            "years:\n  2026:\n    holidays: [{name: 国庆节, from: 2026-10-01, to: 2026-12-07}]\n",
            ("years.2026.holidays.0", "longer than any official holiday"),
        ),
        (
            "years:\n  2026:\n    holidays: []\n    makeup_working_days: [20260104]\n",
            ("years.2026.makeup_working_days.0",),
        ),
        ("years: {}\n", ("years",)),
        ("years:\n  2026:\n    holiday: []\n", ("years.2026",)),
    ],
)
def test_bad_holidays_file_names_file_and_key(tmp_path: Path, body: str, words: tuple[str, ...]) -> None:
    fails(write(tmp_path, body, "holidays.yml"), load_calendar, *words)


def test_missing_holidays_file(tmp_path: Path) -> None:
    fails(tmp_path / "holidays.yml", load_calendar, "not found")


# --- service hours -------------------------------------------------------------------------------


def test_service_hours_file_as_shipped(service: ServiceHoursFile) -> None:
    assert service == ServiceHoursFile(
        hours=ServiceHours(((time(9), time(12)), (time(13, 30), time(17, 30))), SHANGHAI),
        roster=DutyRoster({}),
        reminders=ReminderPoints(
            online=(timedelta(minutes=60), timedelta(minutes=15)),
            message=(timedelta(minutes=240), timedelta(minutes=60)),
        ),
        online_min=timedelta(minutes=60),
    )
    assert service.reminders.before("message") == (timedelta(minutes=240), timedelta(minutes=60))


def test_citizens_are_told_the_service_hours() -> None:
    """Both answers that state the offices' hours give the windows of service_hours.yml."""
    center = load_center(REPO_ROOT / "data")
    told = [
        center.texts.say("intent.ask_office_info"),
        center.texts.say("office.one", office="某区法律援助中心", address="某路1号", phone="0000"),
    ]
    for start, end in center.service.hours.windows:
        window = f"{start.hour}:{start:%M}-{end.hour}:{end:%M}"
        assert all(window in text for text in told), (window, told)


def test_office_hours_that_disagree_with_the_service_hours_stop_the_start(tmp_path: Path) -> None:
    data = shutil.copytree(REPO_ROOT / "data", tmp_path / "data")
    offices = data / "offices.yml"
    text = offices.read_text(encoding="utf-8")
    offices.write_text(text.replace("13:30-17:30", "13:30-17:00"), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_center(data)
    message = str(caught.value)
    assert message.startswith(f"{offices}: hours: says 09:00-12:00, 13:30-17:00")
    assert f"{data / 'service_hours.yml'} are 09:00-12:00, 13:30-17:30" in message


def test_office_hours_without_times_are_left_to_the_center(tmp_path: Path) -> None:
    data = shutil.copytree(REPO_ROOT / "data", tmp_path / "data")
    offices = data / "offices.yml"
    lines = offices.read_text(encoding="utf-8").splitlines()
    offices.write_text(
        "\n".join("hours: 工作日办公，节假日休息" if line.startswith("hours:") else line for line in lines),
        encoding="utf-8",
    )
    assert "工作日办公，节假日休息" in load_center(data).texts.say("intent.ask_office_info")


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        # Monday 2026-03-02; Shanghai is UTC+8, so 09:00 there is 01:00 UTC.
        (datetime(2026, 3, 2, 0, 59, 59, tzinfo=UTC), False),  # 08:59:59
        (datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC), True),  # 09:00
        (datetime(2026, 3, 2, 3, 59, 59, tzinfo=UTC), True),  # 11:59:59
        (datetime(2026, 3, 2, 4, 0, 0, tzinfo=UTC), False),  # 12:00
        (datetime(2026, 3, 2, 5, 29, 59, tzinfo=UTC), False),  # 13:29:59
        (datetime(2026, 3, 2, 5, 30, 0, tzinfo=UTC), True),  # 13:30
        (datetime(2026, 3, 2, 9, 29, 59, tzinfo=UTC), True),  # 17:29:59
        (datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC), False),  # 17:30
        (datetime(2026, 3, 1, 17, 0, 0, tzinfo=UTC), False),  # Monday 01:00 in Shanghai, Sunday in UTC
        (datetime(2026, 3, 7, 2, 0, 0, tzinfo=UTC), False),  # ordinary Saturday 10:00
        (datetime(2026, 2, 14, 2, 0, 0, tzinfo=UTC), True),  # make-up Saturday 10:00
        (datetime(2026, 10, 5, 2, 0, 0, tzinfo=UTC), False),  # 国庆 Monday 10:00
    ],
)
def test_open_in_shanghai_time(
    at: datetime, open_: bool, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert hours.is_open(at, calendar) is open_


def test_naive_datetimes_are_refused(calendar: WorkingDayCalendar, hours: ServiceHours) -> None:
    with pytest.raises(ValueError, match="aware"):
        hours.is_open(datetime(2026, 3, 2, 10, 0), calendar)


@pytest.mark.parametrize(
    ("at", "opening"),
    [
        (shanghai(2026, 3, 2, 10, 0), shanghai(2026, 3, 2, 10, 0)),  # already open
        (shanghai(2026, 3, 2, 12, 0), shanghai(2026, 3, 2, 13, 30)),  # lunch
        (shanghai(2026, 3, 2, 17, 30), shanghai(2026, 3, 3, 9, 0)),  # evening
        (shanghai(2026, 3, 6, 18, 0), shanghai(2026, 3, 9, 9, 0)),  # Friday night -> Monday
        (shanghai(2026, 2, 13, 18, 0), shanghai(2026, 2, 14, 9, 0)),  # -> make-up Saturday
        (shanghai(2026, 2, 14, 18, 0), shanghai(2026, 2, 24, 9, 0)),  # across 春节
    ],
)
def test_next_opening(
    at: datetime, opening: datetime, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert hours.next_opening(at, calendar) == opening


@pytest.mark.parametrize(
    ("at", "left"),
    [
        (shanghai(2026, 3, 2, 8, 0), timedelta(hours=7)),  # before opening: the whole day
        (shanghai(2026, 3, 2, 11, 30), timedelta(hours=4, minutes=30)),  # the lunch break does not count
        (shanghai(2026, 3, 2, 12, 30), timedelta(hours=4)),  # in the break
        (shanghai(2026, 3, 2, 16, 30), timedelta(hours=1)),
        (shanghai(2026, 3, 2, 17, 30), timedelta(0)),  # closed for the day
        (shanghai(2026, 3, 7, 10, 0), timedelta(0)),  # Saturday
        (shanghai(2026, 2, 14, 16, 0), timedelta(hours=1, minutes=30)),  # make-up Saturday
    ],
)
def test_open_time_left_today(
    at: datetime, left: timedelta, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert hours.open_time_left(at, calendar) == left


@pytest.mark.parametrize(
    ("after", "by", "latest"),
    [
        (shanghai(2026, 3, 2, 10, 0), shanghai(2026, 3, 2, 15, 0), shanghai(2026, 3, 2, 15, 0)),  # open
        (shanghai(2026, 3, 2, 15, 59), shanghai(2026, 3, 2, 20, 59), shanghai(2026, 3, 2, 17, 30)),  # evening
        (shanghai(2026, 3, 2, 20, 0), shanghai(2026, 3, 3, 12, 30), shanghai(2026, 3, 3, 12, 0)),  # lunch
        (shanghai(2026, 3, 2, 20, 0), shanghai(2026, 3, 3, 13, 30), shanghai(2026, 3, 3, 12, 0)),  # a start
        (shanghai(2026, 3, 2, 20, 0), shanghai(2026, 3, 3, 17, 30), shanghai(2026, 3, 3, 17, 30)),  # an end
        (shanghai(2026, 3, 2, 20, 0), shanghai(2026, 3, 3, 9, 0), None),  # nothing open in between
        (shanghai(2026, 3, 6, 17, 40), shanghai(2026, 3, 7, 17, 40), None),  # Friday to Saturday
        (shanghai(2026, 3, 2, 17, 0), shanghai(2026, 3, 2, 17, 10), shanghai(2026, 3, 2, 17, 10)),
    ],
)
def test_last_open_moment(
    after: datetime, by: datetime, latest: datetime | None, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert hours.last_open_moment(after, by, calendar) == latest


@pytest.mark.parametrize(
    ("after", "end"),
    [
        (shanghai(2026, 3, 6, 17, 40), shanghai(2026, 3, 9, 17, 30)),  # Friday evening -> Monday
        (shanghai(2026, 3, 2, 8, 0), shanghai(2026, 3, 2, 17, 30)),  # the same day
        (shanghai(2026, 9, 30, 18, 0), shanghai(2026, 10, 8, 17, 30)),  # across 国庆
        (shanghai(2026, 10, 10, 18, 0), shanghai(2026, 10, 12, 17, 30)),  # after the make-up Saturday
    ],
)
def test_end_of_the_first_day_open(
    after: datetime, end: datetime, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert hours.end_of_first_day_open(after, calendar) == end


def test_a_calendar_without_working_days_stops_instead_of_looping(hours: ServiceHours) -> None:
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(800))
    closed = WorkingDayCalendar(holidays=every_day, makeup_working_days=frozenset(), years=frozenset())
    with pytest.raises(ConfigurationError, match="no open service hours"):
        hours.end_of_first_day_open(shanghai(2026, 3, 2, 9), closed)


def test_service_hours_need_a_window() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ServiceHours((), SHANGHAI)


GOOD_REST = "reminders: {online_minutes_before: [60], message_minutes_before: [60]}\n"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('windows: [{start: "12:00", end: "09:00"}]\n' + GOOD_REST, ("windows.0", "not after start")),
        ("windows: []\n" + GOOD_REST, ("windows", "at least one")),
        (
            'windows: [{start: "09:00", end: "12:00"}, {start: "11:00", end: "17:00"}]\n' + GOOD_REST,
            ("windows.1", "before the previous window ends"),
        ),
        ('windows: [{start: "09:00", end: 13:30}]\n' + GOOD_REST, ("windows.0.end", "in quotes")),
        ('windows: [{start: "9:00", end: "12:00"}]\n' + GOOD_REST, ("windows.0.start", "in quotes")),
        (
            'timezone: Mars/Olympus\nwindows: [{start: "09:00", end: "12:00"}]\n' + GOOD_REST,
            ("timezone", "unknown time zone"),
        ),
        (
            'windows: [{start: "09:00", end: "12:00"}]\nduty: {roster: {8: [zhang]}}\n' + GOOD_REST,
            ("duty.roster.8",),
        ),
        (
            'windows: [{start: "09:00", end: "12:00"}]\n'
            "reminders: {online_minutes_before: [0], message_minutes_before: [60]}\n",
            ("reminders.online_minutes_before.0",),
        ),
        ('windows: [{start: "09:00", end: "12:00"}]\n', ("reminders",)),
        (
            'windows: [{start: "09:00", end: "12:00"}]\nonline_min_minutes: 301\n' + GOOD_REST,
            ("online_min_minutes", "300"),
        ),
        (
            'windows: [{start: "09:00", end: "12:00"}]\nonline_min_minutes: "60"\n' + GOOD_REST,
            ("online_min_minutes",),
        ),
    ],
)
def test_bad_service_hours_file_names_file_and_key(tmp_path: Path, body: str, words: tuple[str, ...]) -> None:
    fails(write(tmp_path, body, "service_hours.yml"), load_service_hours, *words)


def test_online_min_minutes_is_an_hour_unless_the_file_says(tmp_path: Path) -> None:
    body = 'windows: [{start: "09:00", end: "12:00"}]\n' + GOOD_REST
    assert load_service_hours(write(tmp_path, body)).online_min == timedelta(minutes=60)
    body += "online_min_minutes: 0\n"
    assert load_service_hours(write(tmp_path, body)).online_min == timedelta(0)


def test_roster_is_read_by_weekday(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'windows: [{start: "09:00", end: "12:00"}]\nduty:\n  roster:\n    1: [zhang, li]\n    6: []\n'
        + GOOD_REST,
    )
    assert load_service_hours(path).roster.by_weekday == {1: frozenset({"zhang", "li"}), 6: frozenset()}


# --- properties ----------------------------------------------------------------------------------

STARTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
SPANS = st.integers(min_value=1, max_value=72 * 3600).map(lambda s: timedelta(seconds=s))


@given(after=STARTS, span=SPANS)
def test_the_last_open_moment_is_open_up_to_it_and_the_latest(
    after: datetime, span: timedelta, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    by = after + span
    latest = hours.last_open_moment(after, by, calendar)
    if latest is None:
        assert hours.next_opening(after, calendar) >= by
        return
    assert after < latest <= by
    assert hours.is_open(latest - timedelta(microseconds=1), calendar)
    assert latest == by or not hours.is_open(latest, calendar)
    assert latest == by or hours.next_opening(latest, calendar) >= by


@given(at=STARTS)
def test_open_time_left_ends_the_same_day(
    at: datetime, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    left = hours.open_time_left(at, calendar)
    assert timedelta(0) <= left <= timedelta(hours=7)
    if left:
        assert hours.local(hours.next_opening(at, calendar)).date() == hours.local(at).date()


# --- duty ----------------------------------------------------------------------------------------

ZHANG = Consultant(1, "zhang", "consultant", frozenset({"labor"}), active=True)
LI = Consultant(2, "li", "consultant", frozenset({"family"}), active=True)
WANG = Consultant(3, "wang", "supervisor", frozenset({"general"}), active=True)
ZHAO = Consultant(4, "zhao", "consultant", frozenset({"labor"}), active=False)
ROOT = Consultant(5, "root", "admin", frozenset({"labor", "general"}), active=True)
EVERYONE = (ZHANG, LI, WANG, ZHAO, ROOT)
MONDAY_10 = shanghai(2026, 3, 2, 10, 0)


def on_duty(
    roster: DutyRoster, specialty: str, at: datetime, calendar: WorkingDayCalendar, hours: ServiceHours
) -> list[Consultant]:
    service = ServiceCalendar(calendar, hours, roster, ReminderPoints((), ()))
    return service.on_duty(EVERYONE, specialty, at)


def test_active_answering_staff_of_the_specialty_or_general_are_on_duty(
    calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    assert on_duty(DutyRoster(), "labor", MONDAY_10, calendar, hours) == [ZHANG, WANG]
    assert on_duty(DutyRoster(), "criminal", MONDAY_10, calendar, hours) == [WANG]


def test_nobody_is_on_duty_outside_service_hours(calendar: WorkingDayCalendar, hours: ServiceHours) -> None:
    assert on_duty(DutyRoster(), "labor", shanghai(2026, 3, 2, 12, 30), calendar, hours) == []
    assert on_duty(DutyRoster(), "labor", shanghai(2026, 10, 5, 10), calendar, hours) == []


def test_roster_limits_the_day_it_names(calendar: WorkingDayCalendar, hours: ServiceHours) -> None:
    roster = DutyRoster({1: frozenset({"li", "zhao", "root"})})
    assert on_duty(roster, "labor", MONDAY_10, calendar, hours) == []
    assert on_duty(roster, "family", MONDAY_10, calendar, hours) == [LI]
    # Tuesday has no entry: every active consultant counts.
    tuesday = shanghai(2026, 3, 3, 10, 0)
    assert on_duty(roster, "labor", tuesday, calendar, hours) == [ZHANG, WANG]


def test_make_up_saturday_uses_the_saturday_entry(calendar: WorkingDayCalendar, hours: ServiceHours) -> None:
    make_up_saturday = shanghai(2026, 2, 14, 10, 0)
    assert on_duty(DutyRoster({6: frozenset({"wang"})}), "labor", make_up_saturday, calendar, hours) == [WANG]
    assert on_duty(DutyRoster({6: frozenset()}), "labor", make_up_saturday, calendar, hours) == [
        ZHANG,
        WANG,
    ]


# --- counting working days (the decision deadline counts this way) --------------------------------


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 9, 30), 7, date(2026, 10, 15)),  # 国庆: 10.1-10.7 off, Saturday 10.10 worked
        (date(2026, 2, 13), 7, date(2026, 3, 2)),  # 春节: Saturdays 2.14 and 2.28 worked, 2.15-2.23 off
        (date(2026, 3, 2), 5, date(2026, 3, 9)),  # an ordinary week: the weekend does not count
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
    ],
)
def test_working_days_are_counted_on_the_official_calendar(
    start: date, count: int, expected: date, calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    service = ServiceCalendar(calendar, hours, DutyRoster(), ReminderPoints((), ()))
    assert service.add_working_days(start, count) == expected


def test_the_next_working_day_may_be_a_make_up_weekend(
    calendar: WorkingDayCalendar, hours: ServiceHours
) -> None:
    service = ServiceCalendar(calendar, hours, DutyRoster(), ReminderPoints((), ()))
    assert service.next_working_day(date(2026, 9, 19)) == date(2026, 9, 20)  # Sunday, worked
    assert service.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    with pytest.raises(ValueError, match="negative"):
        service.add_working_days(date(2026, 3, 2), -1)
