"""Intent → answer: the table that decides what the bot says to each kind of message."""

from __future__ import annotations

import re
from datetime import datetime

import structlog

from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import (
    Effect,
    NeedsHuman,
    Response,
    Topic,
    Understood,
    WelcomeDialogue,
)
from bot.dialogue.texts import Texts
from bot.nlu.parse import FALLBACK_INTENT, Classifier, NluUnavailable

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


class IntentDialogue:
    """Answers text and voice by intent; events and other message types as WelcomeDialogue does."""

    def __init__(self, texts: Texts, nlu: Classifier) -> None:
        self._texts = texts
        self._nlu = nlu
        self._welcome = WelcomeDialogue(texts)

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        if inbound.kind not in ("text", "voice") or not inbound.text:
            return await self._welcome.respond(inbound, state, now)
        try:
            parse = await self._nlu.parse(inbound.text)
        except NluUnavailable as exc:
            log.warning("nlu_unavailable", reason=str(exc))
            return self._say("nlu_unavailable", ConversationState(), [NeedsHuman("nlu_unavailable")])
        intent = parse.intent.name
        effects: list[Effect] = [Understood(intent, parse.intent.confidence)]
        if state.step == OFFER_HUMAN:
            answered = self._answer_offer(inbound.text, intent, effects)
            if answered is not None:
                return answered
        return self._route(intent, effects)

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
            topic = self._texts.say(f"topic.{intent}")
            reply = self._texts.say("intent.consult", topic=topic)
            return Response([Outbound(reply)], ConversationState(), [*effects, Topic(intent)])
        key = f"intent.{intent}"
        if not self._texts.has(key):
            log.warning("intent_without_answer", intent=intent)
            key = "intent.nlu_fallback"
            return self._say(key, ConversationState(step=OFFER_HUMAN), effects)
        return self._say(key, ConversationState(), effects)

    def _say(self, key: str, state: ConversationState, effects: list[Effect]) -> Response:
        return Response([Outbound(self._texts.say(key))], state, effects)
