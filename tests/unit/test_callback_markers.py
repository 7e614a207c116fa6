"""The embedded default's callback markers behave as the Redis ones do (tests/e2e cover Redis)."""

from __future__ import annotations

import pytest

from bot.clock import MovableClock
from bot.store.callback_markers import SEEN_TTL_SECONDS, LocalMarkers

pytestmark = pytest.mark.asyncio


def sight(markers: LocalMarkers, nonce: str, body: str, msg_key: str, ttl: int = 600):  # type: ignore[no-untyped-def]
    return markers.first_sight(timestamp="1700000000", nonce=nonce, body_digest=body, msg_key=msg_key, nonce_ttl=ttl)


async def test_a_retry_is_fresh_and_seen_a_replay_with_another_body_is_not() -> None:
    markers = LocalMarkers(MovableClock())
    assert await sight(markers, "n1", "body-a", "m1") == (True, True)
    assert await sight(markers, "n1", "body-a", "m1") == (True, False)  # WeChat's retry
    assert await sight(markers, "n1", "body-b", "m2") == (False, True)  # same signature, new body
    assert await sight(markers, "n2", "body-c", "m1") == (True, False)  # same message, new nonce


async def test_markers_expire_on_the_services_clock_and_are_forgotten() -> None:
    clock = MovableClock()
    markers = LocalMarkers(clock)
    for i in range(50):
        await sight(markers, f"n{i}", "b", f"m{i}", ttl=60)
    clock.advance(seconds=61)
    assert await sight(markers, "n0", "other", "m0") == (True, False)  # the nonce is gone, the sight is not
    clock.advance(seconds=SEEN_TTL_SECONDS)
    assert await sight(markers, "n0", "other", "m0") == (True, True)
    assert len(markers._expiry) == 2  # everything older was dropped, not kept for ever
