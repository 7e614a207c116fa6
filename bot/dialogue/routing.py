"""Intent → answer, flow or handoff, by the center's table (data/dialogue.yml); an active flow
reads the message first."""

from __future__ import annotations

import re
from datetime import datetime

import structlog

from bot.center.answers import AnswerBook
from bot.center.intent_routes import IntentRoutes
from bot.center.offices import OfficeDirectory
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.applying import APPLY_OFFER, DOCUMENT_KIND, THEN_APPLY, WITHDRAW_CONFIRM, Applying
from bot.dialogue.engine import (
    Effect,
    NeedsHuman,
    Response,
    Topic,
    Understood,
    WelcomeDialogue,
)
from bot.dialogue.flow import Turn
from bot.dialogue.flows.eligibility_interview import EligibilityInterview
from bot.dialogue.flows.rating import SatisfactionRating
from bot.nlu.numbered_choice import read_choice_numbers
from bot.nlu.parse import FALLBACK_INTENT, Classifier, NluUnavailable, Parse
from bot.nlu.wechat_inputs import is_bare_number, is_latin_gibberish, is_only_emoticons, without_emoticons

log = structlog.get_logger(__name__)

OFFER_HUMAN = "offer_human"
# "1" answers the numbered offer; 人工/真人 are how citizens ask without the NLU's help.
_ACCEPT_OFFER = re.compile(r"^\s*(1|１|一|好|好的|可以|要|转|转人工|人工)\s*[。.!！]?\s*$")

CONSULT_OFFER = "consult_offer"
# The bot asked which district the citizen is in (for an office's address): the reply answers it.
OFFICE_DISTRICT = "office_district"
# Intents that, beside a problem, ask whether aid is possible: the interview answers them.
_AID_QUESTIONS = frozenset({"ask_eligibility", "apply_legal_aid"})


class IntentDialogue:
    """Answers text and voice by intent; events and other message types as WelcomeDialogue does.
    The eligibility interview, when active, reads the answer first."""

    def __init__(
        self,
        texts: Texts,
        nlu: Classifier,
        routes: IntentRoutes,
        interview: EligibilityInterview,
        offices: OfficeDirectory,
        answers: AnswerBook,
        applying: Applying,
        rating: SatisfactionRating | None = None,
    ) -> None:
        self._texts = texts
        self._answers = answers
        self._routes = routes
        self._offices = offices
        self._nlu = nlu
        self._welcome = WelcomeDialogue(texts)
        self._interview = interview
        self._applying = applying
        self._intake = applying.intake
        self._rating = rating

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        if self._rating is not None and self._rating.is_active(state):
            rated = await self._rate(inbound, state)
            if rated is not None:
                return rated
            if inbound.kind != "event":  # not an answer: the request lapses, the message is answered as usual
                state = self._rating.after(state)
        if inbound.kind == "image":
            photo = await self._applying.photo(inbound, state)
            if photo is not None:
                return photo
        if inbound.kind not in ("text", "voice") or not inbound.text:
            return await self._welcome.respond(inbound, state, now)
        interviewing = self._interview.is_active(state) or self._intake.is_active(state)
        if is_only_emoticons(inbound.text):
            return self._smiley(state, interviewing)
        text = without_emoticons(inbound.text)  # "好的[微笑]" is read as "好的"
        if self._intake.reads_personal(state):  # a name or ID number never goes to the NLU
            return self._intake.respond(Turn(text, None), state, self._digression)
        try:
            parse: Parse | None = await self._nlu.parse(text)
        except NluUnavailable as exc:
            log.warning("nlu_unavailable", reason=str(exc))
            if not interviewing:
                return self._say("nlu_unavailable", ConversationState(), [NeedsHuman("nlu_unavailable")])
            parse = None  # numbered answers need no NLU: the interview goes on
        if self._intake.is_active(state):
            return self._intake.respond(Turn(text, parse), state, self._digression)
        if interviewing:
            then_apply = bool(state.slots.get(THEN_APPLY))
            interviewed = self._interview.respond(Turn(text, parse), state, self._digression)
            return self._after_interview(interviewed, then_apply)
        if state.step == APPLY_OFFER:
            started = self._applying.answer_offer(text, parse, state)
            if started is not None:
                return started
        assert parse is not None
        intent = parse.intent.name
        effects: list[Effect] = [Understood(intent, parse.intent.confidence)]
        applying = await self._applications(inbound, text, state, intent, effects)
        if applying is not None:
            return applying
        if state.step == OFFER_HUMAN:
            answered = self._answer_offer(text, intent, effects)
            if answered is not None:
                return answered
        if state.step == CONSULT_OFFER:
            answered = self._answer_consult_offer(text, state, parse, effects)
            if answered is not None:
                return answered
        if state.step == OFFICE_DISTRICT:
            office = self._office_for(parse)
            if office is not None:  # "昆区", "我在土右旗": the answer to our question
                return Response([Outbound(office)], ConversationState(), effects)
        if is_bare_number(text):  # a wage? a debt? an income? ask, never guess
            number = text.strip()
            return Response([Outbound(self._texts.say("input.bare_number", number=number))], state, effects)
        if is_latin_gibberish(text):
            return self._say("input.not_understood", ConversationState(), effects)
        if self._routes.route(intent) == "interview":
            started = self._start_interview(intent, parse)
            return Response(started.replies, started.state, [*effects, *started.effects])
        if self._routes.route(intent) == "guidance" and _AID_QUESTIONS & set(parse.also):
            return self._guidance_then_interview(intent, text, parse, effects)
        problem = next((other for other in parse.also if self._routes.route(other) == "guidance"), None)
        if problem is not None and self._routes.route(intent) == "handoff":
            effects.append(Topic(problem))  # "老板欠薪，转人工": the item goes to the labour queue
        return self._answer(parse, effects)

    async def _rate(self, inbound: Inbound, state: ConversationState) -> Response | None:
        """The first message after the satisfaction request, read as a rating (or, after one, as the
        comment) before anything else; None when it is neither."""
        assert self._rating is not None
        if inbound.kind not in ("text", "voice") or not inbound.text:
            return None
        text = without_emoticons(inbound.text)
        parse: Parse | None = None
        if self._rating.wants_comment(state) and text.strip():
            try:
                parse = await self._nlu.parse(text)
            except NluUnavailable:
                parse = None  # the comment is kept as written
        return self._rating.respond(text, parse, state)

    def _start_interview(self, intent: str | None, parse: Parse | None, story: str | None = None) -> Response:
        """The interview; asked by apply_legal_aid, its decision leads straight into the intake."""
        started = self._interview.start(intent, parse, story)
        then_apply = intent == "apply_legal_aid" or (parse is not None and "apply_legal_aid" in parse.also)
        if then_apply and started.state.flow is not None:
            started.state.slots[THEN_APPLY] = True
        return self._after_interview(started, then_apply)

    def _after_interview(self, response: Response, then_apply: bool) -> Response:
        return self._applying.after_interview(response, then_apply)

    async def _applications(
        self, inbound: Inbound, text: str, state: ConversationState, intent: str, effects: list[Effect]
    ) -> Response | None:
        """Sorting photos, withdrawing, and progress: what a citizen with an application asks."""
        answered: Response | None = None
        if state.step == DOCUMENT_KIND:
            answered = self._applying.sort_photos(text)
        elif state.step == WITHDRAW_CONFIRM:
            answered = self._applying.confirm_withdraw(text, state.slots)
        if answered is None:
            answered = await self._applying.maybe_withdraw(text, inbound.citizen_openid)
        if answered is None and intent == "ask_progress":
            answered = await self._applying.progress(inbound.citizen_openid)
        if answered is None:
            return None
        return Response(answered.replies, answered.state, [*effects, *answered.effects])

    def _guidance_then_interview(
        self, intent: str, text: str, parse: Parse, effects: list[Effect]
    ) -> Response:
        """A problem and a question about aid in one message: the guidance for the problem, then
        the interview with the matter (and any figures given) already known."""
        guidance = Outbound(self._guidance(intent, text))
        started = self._start_interview(intent, parse)
        return Response(
            [guidance, *started.replies], started.state, [*effects, Topic(intent), *started.effects]
        )

    def _smiley(self, state: ConversationState, interviewing: bool) -> Response:
        """A smiley is friendly, never an answer: the question the bot asked still stands."""
        if interviewing:
            key = "input.emoticon_in_interview"
        elif state.step in (OFFER_HUMAN, CONSULT_OFFER):
            key = "input.emoticon_at_offer"
        else:
            key = "input.emoticon"
        return self._say(key, state, [])

    def _answer(self, parse: Parse, effects: list[Effect], *, may_ask: bool = True) -> Response:
        """Answer by the intent; an office question naming a district gets that office.

        Without a district the bot asks for one (a real step: the reply is read as the district),
        unless a flow is waiting for its own answer (`may_ask=False`): then every office is listed.
        """
        if parse.intent_name == "ask_office_info":
            office = self._office_for(parse)
            if office is not None:
                return Response([Outbound(office)], ConversationState(), effects)
            if not may_ask:
                listing = "\n".join(f"{o.name}：{o.phone}" for o in self._offices.offices.values())
                reply = self._texts.say("office.all", offices=listing, hours=self._offices.hours)
                return Response([Outbound(reply)], ConversationState(), effects)
            districts = "、".join(self._offices.offices)
            reply = self._texts.say("intent.ask_office_info", districts=districts)
            return Response([Outbound(reply)], ConversationState(step=OFFICE_DISTRICT), effects)
        in_flow = f"intent.{parse.intent_name}.in_flow"
        if not may_ask and self._texts.has(in_flow):  # no numbered list over the flow's own question
            return Response([Outbound(self._texts.say(in_flow))], ConversationState(), effects)
        return self._route(parse.intent_name, effects, parse.text)

    def _digression(self, turn: Turn) -> Response:
        """A question asked in the middle of a flow, answered as it would be outside it."""
        assert turn.parse is not None
        understood: list[Effect] = [Understood(turn.parse.intent_name, turn.parse.intent.confidence)]
        return self._answer(turn.parse, understood, may_ask=False)

    def _office_for(self, parse: Parse) -> str | None:
        """The office of the district the citizen named (entity from the lookup table)."""
        for district in parse.entity_values("district"):
            office = self._offices.offices.get(str(district))
            if office is not None:
                return self._texts.say(
                    "office.one",
                    office=office.name,
                    address=office.address,
                    phone=office.phone,
                )
        return None

    def _answer_consult_offer(
        self, text: str, state: ConversationState, parse: Parse, effects: list[Effect]
    ) -> Response | None:
        choice = read_choice_numbers(text, 2)
        # The number decides first: the NLU may read a bare "2" as agreement.
        if choice == [2]:
            return self._say(
                "intent.request_human", ConversationState(), [*effects, NeedsHuman("consult_wants_human")]
            )
        if choice == [1] or parse.intent_name in ("affirm", "ask_eligibility", "apply_legal_aid"):
            started = self._start_interview(state.slots.get("intent"), None, state.slots.get("story"))
            return Response(started.replies, started.state, [*effects, *started.effects])
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

    def _route(self, intent: str, effects: list[Effect], story: str | None = None) -> Response:
        if intent == FALLBACK_INTENT:
            return self._say("intent.nlu_fallback", ConversationState(step=OFFER_HUMAN), effects)
        route = self._routes.route(intent)
        if route == "handoff":
            return self._say(f"intent.{intent}", ConversationState(), [*effects, NeedsHuman(intent)])
        if route == "guidance":
            reply = f"{self._guidance(intent, story or '')}\n{self._texts.say('consult.offer')}"
            state = ConversationState(step=CONSULT_OFFER, slots={"intent": intent, "story": story})
            return Response([Outbound(reply)], state, [*effects, Topic(intent)])
        key = f"intent.{intent}"
        if not self._texts.has(key):
            log.warning("intent_without_answer", intent=intent)
            key = "intent.nlu_fallback"
            return self._say(key, ConversationState(step=OFFER_HUMAN), effects)
        return self._say(key, ConversationState(), effects)

    def _guidance(self, intent: str, text: str) -> str:
        """The answers written for the sub-topics the citizen raised (data/answers/), in order;
        the intent's general text when they raised none."""
        chosen = self._answers.select(intent, text)
        if not chosen:
            return self._texts.say(f"consult.{intent}")
        return "\n".join(answer.text for answer in chosen)

    def _say(self, key: str, state: ConversationState, effects: list[Effect]) -> Response:
        return Response([Outbound(self._texts.say(key))], state, effects)
