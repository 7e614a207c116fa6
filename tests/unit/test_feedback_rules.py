"""The pure rules of satisfaction and complaints: which answers are ratings (and what score), when
a complaint's reply is due on the center's working-day calendar, and when it counts as breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.center.calendar_files import load_service_calendar
from bot.center.feedback import load_complaint_terms, load_satisfaction_scale
from bot.consultations.turns import ConversationState
from bot.errors import ConfigurationError
from bot.records.domain.complaints import complaint_due_at, is_breached, looks_like_phone, telling
from bot.records.domain.satisfaction import after_rating, awaiting_comment, awaiting_rating, read_rating
from bot.settings import REPO_ROOT

DATA = REPO_ROOT / "data"
WORDS = load_satisfaction_scale(DATA / "satisfaction.yml").words
SERVICE = load_service_calendar(DATA)


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("4", 4),
        (" 5 ", 5),
        ("４", 4),  # full-width, as Chinese keyboards type it
        ("5分", 5),
        ("５分", 5),
        ("3分。", 3),
        ("打4分", 4),
        ("给5星", 5),
        ("五分", 5),
        ("一分", 1),
        ("满意", 5),
        ("满意！", 5),
        ("满意的", 5),
        ("非常满意", 5),
        ("比较满意", 4),
        ("基本满意", 3),
        ("一般", 3),
        ("不太满意", 2),
        ("不满意", 1),
        ("不满意。", 1),
        ("非常不满意", 1),
    ],
)
def test_ratings_are_read_from_numbers_and_the_center_s_words(answer: str, score: int) -> None:
    assert read_rating(answer, WORDS) == score


@pytest.mark.parametrize(
    "answer",
    [
        "0",
        "6",
        "10分",
        "4000",
        "一",
        "五",
        "",
        "。",
        "我对工资不满意",
        "满意吗",
        "老板欠我4个月工资",
        "4 5",
        "转人工",
    ],
)
def test_anything_else_is_not_a_rating(answer: str) -> None:
    assert read_rating(answer, WORDS) is None


def test_the_rating_state_keeps_a_paused_flow_and_gives_it_back() -> None:
    intake = ConversationState("application_intake", "id_number", {"name": "王秀兰"})
    asked = awaiting_rating(7, intake)
    assert (asked.flow, asked.step, asked.slots["consultation_id"]) == ("rating", "score", 7)
    commenting = awaiting_comment(asked)
    assert commenting.step == "comment" and commenting.slots["consultation_id"] == 7
    assert after_rating(commenting) == intake
    assert after_rating(awaiting_rating(7, ConversationState(step="offer_human"))) == ConversationState()
    # A second rating request never nests the first one.
    assert after_rating(awaiting_rating(8, asked)) == ConversationState()


def test_a_bad_score_in_the_satisfaction_file_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "satisfaction.yml"
    bad.write_text("words: {满意: 6}\nlow_score: 2\nnew_question: {confidence: 0.9}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"satisfaction\.yml: words\.满意"):
        load_satisfaction_scale(bad)
    days = tmp_path / "complaints.yml"
    days.write_text("reply_working_days: 0\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="reply_working_days"):
        load_complaint_terms(days)


def _beijing(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SERVICE.tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("received", "due_day"),
    [
        # Wednesday 25 Nov 2026: Thu 26 (1), Fri 27 (2), weekend, Mon 30 (3), Tue 1 (4), Wed 2 Dec (5).
        (_beijing(2026, 11, 25), (2026, 12, 2)),
        # 23:30 Beijing is still Wednesday there (15:30 UTC): the same count.
        (_beijing(2026, 11, 25, 23, 30), (2026, 12, 2)),
        # Saturday: day 0 is the Saturday, Mon 30 Nov (1) ... Fri 4 Dec (5).
        (_beijing(2026, 11, 28), (2026, 12, 4)),
        # Wed 30 Sep 2026: 1-7 Oct off, Thu 8 (1), Fri 9 (2), Sat 10 make-up (3), Mon 12 (4), Tue 13 (5).
        (_beijing(2026, 9, 30), (2026, 10, 13)),
    ],
)
def test_a_complaint_is_due_at_the_end_of_the_fifth_working_day(
    received: datetime, due_day: tuple[int, int, int]
) -> None:
    due = complaint_due_at(received, SERVICE, 5)
    assert due == datetime(*due_day, tzinfo=SERVICE.tz) + timedelta(days=1)


def test_breached_means_marked_answered_late_or_still_open_past_due() -> None:
    due = _beijing(2026, 12, 3, 0, 0)
    before, after = due - timedelta(minutes=1), due + timedelta(minutes=1)
    assert not is_breached(due, None, None, before)
    assert is_breached(due, None, None, due)
    assert is_breached(due, after, None, before)  # the sweep's mark stands
    assert not is_breached(due, None, before, after)  # answered in time
    assert is_breached(due, None, after, after)  # answered late


def test_how_the_complainant_hears_the_result() -> None:
    assert telling("chat", None) == "wechat"
    assert telling("staff", "13800138000") == "call"
    assert telling("staff", None) == "none"
    assert looks_like_phone("0472-1234567") and looks_like_phone("+86 138 0013 8000")
    assert not looks_like_phone("打我电话") and not looks_like_phone("1234")
