"""The outcome a bot-only consultation is recorded with, from the bot's screening (002 §6.2 a–c),
and the filters staff search with, read from a query's strings."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.flows.eligibility_interview import OUT_OF_SCOPE
from bot.errors import InvalidInput
from bot.records.domain.filters import read_filter, read_page
from bot.records.domain.outcome import NOT_LEGAL_AID_MATTER, bot_outcome

BEIJING = ZoneInfo("Asia/Shanghai")


def screening(decision: str, matter: str = "labor_remuneration") -> dict[str, object]:
    return {"case": {"matter": matter}, "decision": {"decision": decision}}


@pytest.mark.parametrize(
    ("screened", "outcome"),
    [
        (screening("eligible"), "a"),
        (screening("ineligible"), "b"),
        (screening("ineligible", NOT_LEGAL_AID_MATTER), "c"),
        (screening("needs_more_info"), None),
        (screening("needs_review"), None),
        ({}, None),
        (None, None),
    ],
)
def test_the_bots_screening_decides_the_outcome(screened: dict[str, object] | None, outcome: str | None):
    assert bot_outcome(screened) == outcome


def test_the_referral_matter_is_the_one_the_interview_answers_with_where_to_go():
    assert NOT_LEGAL_AID_MATTER == OUT_OF_SCOPE


def test_days_are_the_centers_and_to_is_included():
    found = read_filter({"from": "2026-11-20", "to": "2026-11-20", "breached": "0", "q": " 工资 "}, BEIJING)
    assert found.start == datetime(2026, 11, 19, 16, tzinfo=UTC)
    assert found.end == datetime(2026, 11, 20, 16, tzinfo=UTC)
    assert (found.breached, found.q, found.outcome) == (False, "工资", None)
    assert found.described() == {
        "breached": False,
        "from": "2026-11-19T16:00:00+00:00",
        "to_before": "2026-11-20T16:00:00+00:00",
        "q": True,  # that words were searched, never which
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "2026-1-5"}, "to"),
        ({"from": "2026-11-21", "to": "2026-11-20"}, "to"),
        ({"satisfaction": "０"}, "satisfaction"),
        ({"channel": "WeChat"}, "channel"),
        ({"specialty": "x" * 33}, "specialty"),
    ],
)
def test_a_bad_filter_names_its_field(query: dict[str, str], field: str):
    with pytest.raises(InvalidInput) as refused:
        read_filter(query, BEIJING)
    assert refused.value.field == field


def test_pages_default_to_100_and_stop_at_500():
    assert (read_page({}).limit, read_page({}).offset) == (100, 0)
    assert read_page({"limit": "500", "offset": "1000"}).limit == 500
    with pytest.raises(InvalidInput):
        read_page({"limit": "1e3"})
