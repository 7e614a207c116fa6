"""Intent → answer: the table that decides what the bot says to each kind of message."""

from __future__ import annotations

import re
from datetime import datetime

import structlog

from bot.center.offices import OfficeDirectory
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import (
    Effect,
    NeedsHuman,
    Response,
    Topic,
    Understood,
    WelcomeDialogue,
)
from bot.dialogue.flows.eligibility_interview import EligibilityInterview
from bot.nlu.parse import FALLBACK_INTENT, Classifier, NluUnavailable, Parse

log = structlog.get_logger(__name__)

CONSULT_INTENTS = frozenset(
    {
        "consult_labor",
        "consult_family",
        "consult_personal_injury",
        "consult_criminal",
        "consult_social_assistance",
        "consult_state_compensation",
        "consult_administrative",
        "consult_civil_other",
    }
)
HUMAN_INTENTS = frozenset({"request_human", "complain"})
OFFER_HUMAN = "offer_human"
# "1" answers the numbered offer; 人工/真人 are how citizens ask without the NLU's help.
_ACCEPT_OFFER = re.compile(r"^\s*(1|１|一|好|好的|可以|要|转|转人工|人工)\s*[。.!！]?\s*$")


INTERVIEW_INTENTS = frozenset({"ask_eligibility", "apply_legal_aid"})
CONSULT_OFFER = "consult_offer"


class IntentDialogue:
    """Answers text and voice by intent; events and other message types as WelcomeDialogue does.
    The eligibility interview, when active, reads the answer first."""

    def __init__(
        self,
        texts: Texts,
        nlu: Classifier,
        interview: EligibilityInterview | None = None,
        offices: OfficeDirectory | None = None,
    ) -> None:
        self._texts = texts
        self._offices = offices
        self._nlu = nlu
        self._welcome = WelcomeDialogue(texts)
        self._interview = interview

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        if inbound.kind not in ("text", "voice") or not inbound.text:
            return await self._welcome.respond(inbound, state, now)
        interviewing = self._interview is not None and self._interview.is_active(state)
        try:
            parse: Parse | None = await self._nlu.parse(inbound.text)
        except NluUnavailable as exc:
            log.warning("nlu_unavailable", reason=str(exc))
            if not interviewing:
                return self._say("nlu_unavailable", ConversationState(), [NeedsHuman("nlu_unavailable")])
            parse = None  # numbered answers need no NLU: the interview goes on
        if interviewing:
            assert self._interview is not None
            answered = self._interview.answer(inbound.text, parse, state)
            if answered is not None:
                return answered
        assert parse is not None
        intent = parse.intent.name
        effects: list[Effect] = [Understood(intent, parse.intent.confidence)]
        if interviewing:
            return self._pause_interview(intent, effects, state)
        if state.step == OFFER_HUMAN:
            answered = self._answer_offer(inbound.text, intent, effects)
            if answered is not None:
                return answered
        if state.step == CONSULT_OFFER:
            answered = self._answer_consult_offer(inbound.text, state, parse, effects)
            if answered is not None:
                return answered
        if intent in INTERVIEW_INTENTS and self._interview is not None:
            started = self._interview.start(intent, parse)
            return Response(started.replies, started.state, [*effects, *started.effects])
        if intent == "ask_office_info":
            office = self._office_for(parse)
            if office is not None:
                return Response([Outbound(office)], ConversationState(), effects)
        return self._route(intent, effects)

    def _office_for(self, parse: Parse) -> str | None:
        """The office of the district the citizen named (entity from the lookup table)."""
        if self._offices is None:
            return None
        for district in parse.entity_values("district"):
            office = self._offices.offices.get(str(district))
            if office is not None:
                return self._texts.say(
                    "office.one",
                    office=office.name,
                    address=office.address,
                    phone=office.phone,
                    hours=self._offices.hours,
                )
        return None

    def _pause_interview(self, intent: str, effects: list[Effect], state: ConversationState) -> Response:
        """Answer the interruption, keep the interview where it was, and say how to go on."""
        assert self._interview is not None
        routed = self._route(intent, effects)
        reminder = self._texts.say("interview.paused")
        replies = [Outbound(f"{routed.replies[0].text}\n{reminder}")] if routed.replies else []
        return Response(replies, self._interview.paused(state), routed.effects)

    def _answer_consult_offer(
        self, text: str, state: ConversationState, parse: Parse, effects: list[Effect]
    ) -> Response | None:
        choice = text.strip()[:1]
        if choice in ("1", "１") or parse.intent_name in ("affirm", "ask_eligibility", "apply_legal_aid"):
            if self._interview is None:
                return None
            started = self._interview.start(state.slots.get("intent"), None)
            return Response(started.replies, started.state, [*effects, *started.effects])
        if choice in ("2", "２"):
            return self._say(
                "intent.request_human", ConversationState(), [*effects, NeedsHuman("consult_wants_human")]
            )
        return None

    def _answer_offer(self, text: str, intent: str, effects: list[Effect]) -> Response | None:
        """The citizen is answering 'reply 1 for a consultant'."""
        if intent in ("affirm", "request_human") or _ACCEPT_OFFER.match(text):
            return self._say(
                "intent.request_human", ConversationState(), [*effects, NeedsHuman("nlu_fallback")]
            )
        if intent == "deny":
            return self._say("offer_human.declined", ConversationState(), effects)
        return None

    def _route(self, intent: str, effects: list[Effect]) -> Response:
        if intent == FALLBACK_INTENT:
            return self._say("intent.nlu_fallback", ConversationState(step=OFFER_HUMAN), effects)
        if intent in HUMAN_INTENTS:
            return self._say(f"intent.{intent}", ConversationState(), [*effects, NeedsHuman(intent)])
        if intent in CONSULT_INTENTS:
            guidance = self._texts.say(f"consult.{intent}")
            reply = f"{guidance}\n{self._texts.say('consult.offer')}"
            state = ConversationState(step=CONSULT_OFFER, slots={"intent": intent})
            return Response([Outbound(reply)], state, [*effects, Topic(intent)])
        key = f"intent.{intent}"
        if not self._texts.has(key):
            log.warning("intent_without_answer", intent=intent)
            key = "intent.nlu_fallback"
            return self._say(key, ConversationState(step=OFFER_HUMAN), effects)
        return self._say(key, ConversationState(), effects)

    def _say(self, key: str, state: ConversationState, effects: list[Effect]) -> Response:
        return Response([Outbound(self._texts.say(key))], state, effects)
