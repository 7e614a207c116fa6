"""Getting every outbound message to the citizen, and keeping it until it is delivered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

import structlog

from bot.clock import Clock
from bot.errors import OutsideReplyWindow, TooManyMessages, WeChatRefused, WeChatUnavailable
from bot.store.deliveries import DeliveryLedger

log = structlog.get_logger(__name__)
# A send takes seconds at most (timeouts and bounded retries); longer means its worker died.
STUCK_SENDING_AFTER = timedelta(minutes=2)

TemplateSender = Callable[[str, str, Mapping[str, Any]], Awaitable[Any]]
RETRY_BACKOFF = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


class CitizenChannel(Protocol):
    """How a message reaches a citizen asynchronously (WeChat customer-service API in production)."""

    async def send_text(self, openid: str, text: str) -> None: ...


class FallbackNotice(Protocol):
    """Tells a citizen outside the 48-hour window that an answer waits (a template notice)."""

    async def notify(self, openid: str) -> bool: ...


class Deliveries:
    """The one way an answer leaves: send what is pending, hold what WeChat refuses, retry the rest.

    `labels` go before a message by that author (data/texts.yml `handoff.answer_prefix` before a
    consultant's), so the citizen sees a person answered; the transcript keeps the words as written.
    """

    def __init__(
        self,
        ledger: DeliveryLedger,
        channel: CitizenChannel,
        clock: Clock,
        notice: FallbackNotice | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self._ledger = ledger
        self._channel = channel
        self._clock = clock
        self._notice = notice
        self._labels = dict(labels or {})

    async def send(self, delivery_ids: list[int] | None = None) -> int:
        """Send these (or all due) deliveries; a refused answer is held and the citizen notified."""
        return await deliver_pending(
            self._ledger, self._channel, self._clock, delivery_ids, self._notice, self._labels
        )

    async def send_due(self) -> int:
        """Periodic: send deliveries still pending (after a crash or a network failure), first
        taking back those a dead worker left half-sent."""
        released = await self._ledger.release_stuck(self._clock.now(), STUCK_SENDING_AFTER)
        if released:
            log.warning("stuck_deliveries_released", count=released)
        return await self.send()

    async def statuses(self, delivery_ids: list[int]) -> list[str]:
        return await self._ledger.delivery_statuses(delivery_ids)

    async def take_back_passive(self, delivery_id: int) -> None:
        """The passive reply did not go out after all: it is sent like any other delivery."""
        await self._ledger.unclaim_passive(delivery_id, self._clock.now())


async def deliver_pending(
    deliveries: DeliveryLedger,
    channel: CitizenChannel,
    clock: Clock,
    delivery_ids: list[int] | None = None,
    notice: FallbackNotice | None = None,
    labels: Mapping[str, str] | None = None,
) -> int:
    """Send due pending deliveries (all, or the given ones); returns how many went out.

    Network trouble keeps a delivery pending with backoff: an answer is delivered at least once.
    When a send timed out after it left, WeChat may have delivered it, and the retry sends a
    second copy; a duplicate is the price of never losing a consultant's answer. A refusal such as 45015 holds it:
    the citizen gets one fallback notice asking them to write back, and their next message
    releases every held answer (Transcript.save_response). Nothing is dropped.
    """
    sent = 0
    for item in await deliveries.claim_for_sending(delivery_ids, clock.now()):
        try:
            await channel.send_text(item.citizen_openid, (labels or {}).get(item.author, "") + item.text)
        except (OutsideReplyWindow, TooManyMessages) as exc:
            log.warning("delivery_refused", delivery_id=item.delivery_id, errcode=exc.errcode)
            wants_notice = await deliveries.mark_held(
                item.delivery_id, exc.errcode, type(exc).__name__, clock.now()
            )
            if wants_notice and notice is not None and await notice.notify(item.citizen_openid):
                await deliveries.mark_noticed(item.delivery_id, clock.now())
                log.info("fallback_notice_sent", delivery_id=item.delivery_id)
            continue
        except (WeChatUnavailable, WeChatRefused) as exc:
            errcode = getattr(exc, "errcode", None)
            backoff = RETRY_BACKOFF[min(item.attempts - 1, len(RETRY_BACKOFF) - 1)]
            log.warning("delivery_retry_later", delivery_id=item.delivery_id, errcode=errcode)
            await deliveries.mark_retry(item.delivery_id, errcode, type(exc).__name__, clock.now() + backoff)
            continue
        await deliveries.mark_sent(item.delivery_id, "custom_send", clock.now())
        log.info("delivery_sent", delivery_id=item.delivery_id)
        sent += 1
    return sent


class TemplateNotice:
    """The configured template message; any refusal leaves the answer waiting for the next message."""

    def __init__(self, send: TemplateSender, template_id: str, text: str) -> None:
        self._send = send
        self._template_id = template_id
        self._text = text

    async def notify(self, openid: str) -> bool:
        try:
            await self._send(openid, self._template_id, {"first": self._text, "remark": self._text})
        except WeChatUnavailable as exc:
            # A notice that may have arrived counts as sent: a second one would only repeat it,
            # and the answer itself still waits for the citizen's next message either way.
            log.warning("fallback_notice_failed", maybe_delivered=exc.maybe_delivered)
            return exc.maybe_delivered
        except WeChatRefused as exc:
            log.warning("fallback_notice_failed", errcode=exc.errcode)
            return False
        return True
