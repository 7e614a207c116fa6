"""One citizen turn as a use case: record it, decide the answer, commit replies as deliveries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from bot.clock import Clock
from bot.consultations.turns import Inbound, Outbound
from bot.dialogue.engine import DialogueEngine, Effect, NeedsHuman, Screened, Topic, Understood
from bot.dialogue.texts import Texts
from bot.errors import LegalAidError
from bot.privacy.alias import citizen_alias
from bot.store.redis_keys import CitizenLocks, LocalCitizenLocks
from bot.store.transcript import RecordedInbound, Transcript, TurnOutcome

log = structlog.get_logger(__name__)


def outcome_of(effects: list[Effect]) -> TurnOutcome:
    """Fold the dialogue's effects into the record changes the store makes with the answer."""
    intent = confidence = topic = waiting = None
    screening: dict[str, Any] | None = None
    for effect in effects:
        if isinstance(effect, Understood):
            intent, confidence = effect.intent, effect.confidence
        elif isinstance(effect, Topic):
            topic = effect.intent
        elif isinstance(effect, NeedsHuman):
            waiting = effect.reason
        elif isinstance(effect, Screened):
            screening = {"case": effect.case, "decision": effect.decision}
    return TurnOutcome(
        intent=intent, confidence=confidence, topic=topic, waiting_reason=waiting, screening=screening
    )


@dataclass(frozen=True, slots=True)
class Answer:
    """The committed outcome of a turn: its record and the deliveries waiting to go out."""

    recorded: RecordedInbound
    delivery_ids: list[int]
    passive_delivery_id: int | None = None
    passive_text: str | None = None


class Conversation:
    """Runs the dialogue for one inbound turn, exactly once per WeChat message."""

    def __init__(
        self,
        transcript: Transcript,
        engine: DialogueEngine,
        locks: CitizenLocks | LocalCitizenLocks,
        texts: Texts,
        clock: Clock,
        alias_key: str,
    ) -> None:
        self._transcript = transcript
        self._engine = engine
        self._locks = locks
        self._texts = texts
        self._clock = clock
        self._alias_key = alias_key

    def alias(self, openid: str) -> str:
        return citizen_alias(openid, self._alias_key)

    async def record(self, inbound: Inbound, *, maybe_seen: bool = True) -> RecordedInbound:
        """Commit the inbound turn before anything is answered."""
        alias = self.alias(inbound.citizen_openid)
        recorded = await self._transcript.record_inbound(inbound, alias, maybe_seen=maybe_seen)
        if not recorded.duplicate:
            log.info("inbound_recorded", message_id=recorded.message_id, kind=inbound.kind)
        return recorded

    async def answer(
        self,
        inbound: Inbound,
        recorded: RecordedInbound,
        *,
        take_passive: Callable[[], bool] | None = None,
        check_replied: bool = True,
    ) -> Answer:
        """Decide and commit the replies; a turn already answered is not answered again.

        `take_passive` is asked just before the commit whether a waiting request will carry
        the first reply as its passive reply (then no separate claim is needed).
        """
        async with self._locks.hold(self.alias(inbound.citizen_openid)):
            if check_replied and await self._transcript.replied(recorded.message_id):
                return Answer(recorded, [])
            state, _version = await self._transcript.load_state(recorded.citizen_id)
            now = self._clock.now()
            try:
                response = await self._engine.respond(inbound, state, now)
                replies, next_state, effects = response.replies, response.state, response.effects
            except LegalAidError as exc:
                # The citizen never sees a failure: a polite promise, and a consultant takes the turn.
                log.warning("dialogue_failed", code=exc.code, message_id=recorded.message_id)
                replies, next_state = [Outbound(self._texts.say("fallback_we_will_reply"))], state
                effects = [NeedsHuman(exc.code)]
            passive = bool(replies) and take_passive is not None and take_passive()
            ids = await self._transcript.save_response(
                recorded, replies, next_state, now, passive_first=passive, outcome=outcome_of(effects)
            )
        log.info("answer_committed", message_id=recorded.message_id, replies=len(ids))
        if passive and ids:
            return Answer(recorded, ids, passive_delivery_id=ids[0], passive_text=replies[0].text)
        return Answer(recorded, ids)
