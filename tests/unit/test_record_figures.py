"""The dashboard's arithmetic on plain values: nearest-rank percentiles, rates, the center's days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.records.domain.figures import (
    Period,
    compliance,
    count_by_day,
    default_period,
    percentile,
    period_problem,
    rate,
    response_times,
    satisfaction,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_nearest_rank_percentiles_are_times_someone_really_waited():
    waits = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 9.0, 8.0, 7.0, 6.0]
    assert percentile(waits, 50) == 5.0
    assert percentile(waits, 90) == 9.0
    assert percentile(waits, 95) == 10.0
    assert percentile([42.0], 50) == 42.0
    assert percentile([], 50) is None
    assert response_times([10, 60, 1800]) == response_times([1800, 10, 60])
    assert response_times([10, 60, 1800]).p50 == 60


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=200), st.sampled_from([50, 90, 95])
)
def test_at_least_p_percent_of_the_waits_are_within_the_percentile(values: list[float], p: int):
    found = percentile(values, p)
    assert found in values
    within = sum(1 for v in values if v <= found)
    assert within / len(values) >= p / 100
    assert sum(1 for v in values if v < found) / len(values) < p / 100


def test_rates_are_none_when_nothing_was_counted():
    assert rate(0, 0) is None
    assert rate(2, 3) == 0.6667
    assert compliance(3, 1, 5).rate == 0.75  # pending ones are not decided: not in the rate
    assert compliance(0, 0, 2).rate is None
    s = satisfaction(4, 3, {5: 2, 2: 1, 7: 9})  # an unknown grade is not on the scale
    assert (s.answered, s.rate, s.average, s.distribution) == (3, 0.75, 4.0, {1: 0, 2: 1, 3: 0, 4: 0, 5: 2})


def test_days_are_the_centers_days_not_utcs():
    period = Period(date(2026, 11, 23), date(2026, 11, 24))
    start, end = period.bounds(SHANGHAI)
    assert (start, end) == (datetime(2026, 11, 22, 16, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC))
    received = [
        datetime(2026, 11, 22, 16, 0, tzinfo=UTC),  # 00:00 on the 23rd in Beijing
        datetime(2026, 11, 23, 15, 59, tzinfo=UTC),  # 23:59 on the 23rd
        datetime(2026, 11, 23, 16, 0, tzinfo=UTC),  # 00:00 on the 24th
    ]
    assert count_by_day(received, period, SHANGHAI) == [(date(2026, 11, 23), 2), (date(2026, 11, 24), 1)]


def test_periods():
    assert default_period(date(2026, 11, 25)) == Period(date(2026, 10, 27), date(2026, 11, 25))
    assert len(Period(date(2024, 1, 1), date(2024, 12, 31)).days()) == 366
    assert period_problem(date(2024, 1, 1), date(2024, 12, 31)) is None
    assert period_problem(date(2024, 1, 1), date(2025, 1, 1)) is not None
    assert period_problem(date(2026, 1, 2), date(2026, 1, 1)) is not None


def test_a_period_in_a_zone_with_summer_time_still_covers_whole_local_days():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = Period(date(2026, 3, 29), date(2026, 3, 29)).bounds(berlin)  # clocks go forward
    assert (end - start).total_seconds() == 23 * 3600


@pytest.mark.parametrize("p", [0, -5, 101])
def test_a_percentile_outside_0_100_is_a_bug(p: float):
    with pytest.raises(ValueError):
        percentile([1.0], p)
