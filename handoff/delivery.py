"""Getting every outbound message to the citizen, and keeping it until it is delivered."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

import structlog

from bot.clock import Clock
from bot.errors import OutsideReplyWindow, TooManyMessages, WeChatRefused, WeChatUnavailable
from bot.store.transcript import Transcript

log = structlog.get_logger(__name__)

RETRY_BACKOFF = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


class CitizenChannel(Protocol):
    """How a message reaches a citizen asynchronously (WeChat customer-service API in production)."""

    async def send_text(self, openid: str, text: str) -> None: ...


async def deliver_pending(
    transcript: Transcript, channel: CitizenChannel, clock: Clock, delivery_ids: list[int] | None = None
) -> int:
    """Send due pending deliveries (all, or the given ones); returns how many went out.

    Network trouble keeps a delivery pending with backoff; a refusal such as 45015 holds it
    for the fallback. Nothing is dropped.
    """
    sent = 0
    for item in await transcript.claim_for_sending(delivery_ids, clock.now()):
        try:
            await channel.send_text(item.citizen_openid, item.text)
        except (OutsideReplyWindow, TooManyMessages) as exc:
            log.warning("delivery_refused", delivery_id=item.delivery_id, errcode=exc.errcode)
            await transcript.mark_held(item.delivery_id, exc.errcode, type(exc).__name__)
            continue
        except (WeChatUnavailable, WeChatRefused) as exc:
            errcode = getattr(exc, "errcode", None)
            backoff = RETRY_BACKOFF[min(item.attempts - 1, len(RETRY_BACKOFF) - 1)]
            log.warning("delivery_retry_later", delivery_id=item.delivery_id, errcode=errcode)
            await transcript.mark_retry(item.delivery_id, errcode, type(exc).__name__, clock.now() + backoff)
            continue
        await transcript.mark_sent(item.delivery_id, "custom_send", clock.now())
        log.info("delivery_sent", delivery_id=item.delivery_id)
        sent += 1
    return sent
