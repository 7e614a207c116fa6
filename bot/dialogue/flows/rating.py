"""The `rating` flow: the citizen's answer to the satisfaction request, then an optional comment.

Not a FlowRunner flow: it never asks again. Whatever the citizen writes first after the request
is read here; a rating is stored and thanked, anything else returns None and the dialogue
answers the message as usual, the request lapsing silently. The comment step is the same: the
next message is the comment, unless it is "nothing to add" or clearly a new question (a word of
data/satisfaction.yml `new_question.words`, a flow's command such as 继续, or an intent routed to
guidance or the interview that the NLU is at least `new_question.confidence` sure of), which the
dialogue answers as usual. A flow the consultant's conversation paused (an application intake) is
kept in the slots and is where the conversation goes when the rating flow ends or lapses.
"""

from __future__ import annotations

from bot.center.feedback import SatisfactionScale
from bot.center.intent_routes import IntentRoutes
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Outbound
from bot.dialogue.engine import Response
from bot.dialogue.flow import is_flow_command
from bot.nlu.parse import Parse
from bot.records.domain.satisfaction import (
    COMMENT_STEP,
    RATING_FLOW,
    SCORE_STEP,
    Commented,
    Rated,
    after_rating,
    awaiting_comment,
    comment_text,
    plain,
    rated_consultation,
    read_rating,
)

# Routes of dialogue.yml that mean "a new legal question", not a remark about the last one.
_QUESTION_ROUTES = frozenset({"guidance", "interview"})


class SatisfactionRating:
    def __init__(self, texts: Texts, scale: SatisfactionScale, routes: IntentRoutes) -> None:
        self._texts = texts
        self._scale = scale
        self._routes = routes

    @staticmethod
    def is_active(state: ConversationState) -> bool:
        return state.flow == RATING_FLOW

    @staticmethod
    def wants_comment(state: ConversationState) -> bool:
        """The comment step reads its answer with the NLU's help; the score step needs none."""
        return state.flow == RATING_FLOW and state.step == COMMENT_STEP

    def respond(self, text: str, parse: Parse | None, state: ConversationState) -> Response | None:
        """The rating or the comment read from `text`; None: not one, answer the message as usual."""
        consultation_id = rated_consultation(state)
        if consultation_id is None:
            return None
        if state.step == SCORE_STEP:
            return self._score(text, state, consultation_id)
        if state.step == COMMENT_STEP:
            return self._comment(text, parse, state, consultation_id)
        return None

    @staticmethod
    def after(state: ConversationState) -> ConversationState:
        """The state a lapsed or finished rating leaves: the flow it paused (an intake), or none."""
        return after_rating(state)

    def _score(self, text: str, state: ConversationState, consultation_id: int) -> Response | None:
        score = read_rating(text, self._scale.words)
        if score is None:
            return None
        key = "rating.thanks.low" if score <= self._scale.low_score else "rating.thanks"
        return Response(
            [Outbound(self._texts.say(key))],
            awaiting_comment(state),
            [Rated(consultation_id, score)],
        )

    def _comment(
        self, text: str, parse: Parse | None, state: ConversationState, consultation_id: int
    ) -> Response | None:
        if not plain(text) or plain(text) in self._scale.no_comment:  # a smiley, or "没有"
            return Response([Outbound(self._texts.say("rating.no_comment"))], after_rating(state))
        if self._new_question(text, parse):
            return None
        return Response(
            [Outbound(self._texts.say("rating.comment_thanks"))],
            after_rating(state),
            [Commented(consultation_id, comment_text(text))],
        )

    def _new_question(self, text: str, parse: Parse | None) -> bool:
        if is_flow_command(text):  # 继续 (an intake waits), 退出, 上一步: never a comment
            return True
        if any(word in text for word in self._scale.new_question_words):
            return True
        if parse is None:  # the NLU is down: free text is taken as the comment
            return False
        return (
            self._routes.route(parse.intent_name) in _QUESTION_ROUTES
            and parse.intent.confidence >= self._scale.new_question_confidence
        )
