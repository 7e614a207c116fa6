"""One citizen turn as a use case: record it, decide the answer, commit replies as deliveries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection

from bot.applications.domain.intake import ApplicationEffect
from bot.applications.intake import ApplicationRegister, IntakeWritten, TurnPlace
from bot.center.texts import Texts
from bot.clock import Clock
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import DialogueEngine, Effect, NeedsHuman, Screened, Topic, Understood
from bot.errors import LegalAidError
from bot.privacy.blind_index import BlindIndex
from bot.records import satisfaction
from bot.records.domain.satisfaction import Commented, Rated, RatingEffect
from bot.store.handoffs import LiveHandoff, touch
from bot.store.redis_keys import CitizenLocks, LocalCitizenLocks
from bot.store.transcript import RecordedInbound, Transcript, TurnOutcome
from handoff.handoff import wants_to_cancel
from handoff.opening import HandoffOpening

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
    document_ids: tuple[int, ...] = ()  # photos to download from WeChat's media API


class Conversation:
    """Runs the dialogue for one inbound turn, exactly once per WeChat message."""

    def __init__(
        self,
        transcript: Transcript,
        engine: DialogueEngine,
        locks: CitizenLocks | LocalCitizenLocks,
        texts: Texts,
        clock: Clock,
        index: BlindIndex,
        handoffs: HandoffOpening,
        register: ApplicationRegister,
    ) -> None:
        self._transcript = transcript
        self._engine = engine
        self._locks = locks
        self._texts = texts
        self._clock = clock
        self._index = index
        self._handoffs = handoffs
        self._register = register

    def alias(self, openid: str) -> str:
        return self._index.citizen_alias(openid)

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
            state, _version, live = await self._transcript.load_state(recorded.citizen_id)
            now = self._clock.now()
            if live is not None and inbound.kind != "event":
                return await self._to_consultant(inbound, recorded, live, state, now, take_passive)
            try:
                response = await self._engine.respond(inbound, state, now)
                replies, next_state, effects = response.replies, response.state, response.effects
            except LegalAidError as exc:
                # The citizen never sees a failure: a polite promise, and a consultant takes the turn.
                log.warning("dialogue_failed", code=exc.code, message_id=recorded.message_id)
                replies, next_state = [Outbound(self._texts.say("fallback_we_will_reply"))], state
                effects = [NeedsHuman(exc.code)]
            wanted = [e.reason for e in effects if isinstance(e, NeedsHuman)]
            opened: list[int] = []
            applying = [e for e in effects if isinstance(e, ApplicationEffect)]
            written = IntakeWritten()
            within: Callable[[Connection], None] | None = None
            if applying:
                place = TurnPlace(recorded.citizen_id, recorded.consultation_id, recorded.message_id)

                def within(conn: Connection) -> None:
                    found = self._register.write_within(conn, applying, place, now)
                    written.delivery_ids.extend(found.delivery_ids)
                    written.document_ids.extend(found.document_ids)

            if wanted and live is None:
                outcome = outcome_of(effects)
                planned = await self._handoffs.plan(
                    recorded.consultation_id,
                    recorded.citizen_id,
                    wanted[-1],
                    now,
                    outcome.topic,
                    outcome.screening,
                    words=inbound.text,
                )
                replies = _with_notice(replies, planned.notice)
                earlier = within

                def within(conn: Connection) -> None:
                    if earlier is not None:
                        earlier(conn)
                    opened.append(HandoffOpening.open_within(conn, planned, now))

            ratings: list[RatingEffect] = [e for e in effects if isinstance(e, (Rated, Commented))]
            if ratings:
                before_rating = within

                def within(conn: Connection) -> None:
                    if before_rating is not None:
                        before_rating(conn)
                    satisfaction.record_within(conn, ratings, recorded.citizen_id, now)

            passive = bool(replies) and take_passive is not None and take_passive()
            ids = await self._transcript.save_response(
                recorded,
                replies,
                next_state,
                now,
                passive_first=passive,
                outcome=outcome_of(effects),
                within=within,
            )
        log.info("answer_committed", message_id=recorded.message_id, replies=len(ids))
        if opened:
            log.info("handoff_opened", handoff_id=opened[0], reason=wanted[-1])
            await self._handoffs.announce("opened", opened[0])
        answer = self._answer(recorded, ids, replies, passive)
        # `written` is filled only when this worker's commit answered the turn.
        return replace(
            answer,
            delivery_ids=[*answer.delivery_ids, *written.delivery_ids],
            document_ids=tuple(written.document_ids),
        )

    async def _to_consultant(
        self,
        inbound: Inbound,
        recorded: RecordedInbound,
        live: LiveHandoff,
        state: ConversationState,
        now: datetime,
        take_passive: Callable[[], bool] | None,
    ) -> Answer:
        """While a handoff is open the citizen talks to the consultant; 取消 ends the wait."""
        cancelled: list[bool] = []
        if wants_to_cancel(inbound.text):
            replies = [Outbound(self._texts.say("handoff.cancelled"))]
            state, change = ConversationState(), "cancelled"

            def within(conn: Connection) -> None:
                cancelled.append(HandoffOpening.cancel_within(conn, live.id, now))

        else:
            # Never silence: after an answer, by when the next reply comes; otherwise, unclaimed,
            # say again by when, and claimed, say it reached the consultant.
            next_reply = await self._handoffs.plan_next_reply(live, now)
            if next_reply is None:
                replies = [Outbound(self._handoffs.still_waiting(live, now))]
            else:
                replies = [Outbound(self._handoffs.next_reply_notice(next_reply, now))]
            change = "message"

            def within(conn: Connection) -> None:
                if next_reply is None:
                    touch(conn, live.id, now)
                elif HandoffOpening.start_next_reply_within(conn, live.id, next_reply, now):
                    log.info("next_reply_due", handoff_id=live.id, kind=next_reply.kind)
                self._handoffs.refresh_summary_within(conn, live)

        passive = bool(replies) and take_passive is not None and take_passive()
        ids = await self._transcript.save_response(
            recorded, replies, state, now, passive_first=passive, within=within
        )
        await self._handoffs.announce(change, live.id)
        return self._answer(recorded, ids, replies, passive)

    @staticmethod
    def _answer(recorded: RecordedInbound, ids: list[int], replies: list[Outbound], passive: bool) -> Answer:
        if passive and ids:
            return Answer(recorded, ids, passive_delivery_id=ids[0], passive_text=replies[0].text)
        return Answer(recorded, ids)


def _with_notice(replies: list[Outbound], notice: str) -> list[Outbound]:
    """The handoff notice (kind and deadline) joins the bot's last reply: one message, not two."""
    if not replies:
        return [Outbound(notice)]
    last = replies[-1]
    return [*replies[:-1], Outbound(f"{last.text}\n{notice}", author=last.author)]
