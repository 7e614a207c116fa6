"""The alarm only takes async sweeps: a lambda returning a coroutine would never be awaited."""

from __future__ import annotations

import pytest

from scheduler.alarm import start_alarm


async def _sweep() -> int:
    return 0


def test_a_lambda_returning_a_coroutine_is_refused_at_start() -> None:
    with pytest.raises(TypeError, match="intake_reminder"):
        start_alarm({"intake_reminder": (lambda: _sweep(), 5.0)})


async def test_an_async_sweep_is_scheduled() -> None:
    alarm = start_alarm({"intake_reminder": (_sweep, 5.0)})
    try:
        assert alarm.get_job("intake_reminder") is not None
    finally:
        alarm.shutdown(wait=False)
