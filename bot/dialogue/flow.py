"""The flow engine: a flow is a table of steps plus commands a citizen may say at any step.

Learnt from python-telegram-bot's ConversationHandler: each step asks one question and reads
its answer; what is valid anywhere (上一步, 退出, 转人工, 继续, 重新开始, a question for the
knowledge base) is written once here, not per step. State is ConversationState(flow, step,
slots), stored with every turn, so a flow resumes on any worker, also days later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Outbound
from bot.dialogue.engine import Effect, Response
from bot.nlu.parse import Parse

# Words valid at every step of every flow (a center may reword the questions, not these).
_BACK = re.compile(r"^\s*(上一步|返回|上一个|回到上一步|后退)\s*$")
_STOP = re.compile(r"^\s*(退出|不问了|算了|结束|不用了|取消)\s*$")
_HUMAN = re.compile(r"转人工|人工|真人|找律师说")
_RESUME = re.compile(r"^\s*(继续|接着来|继续吧|好的继续)\s*$")
_RESTART = re.compile(r"^\s*(重新开始|从头开始|重来)\s*$")
HISTORY = "history"
_DONT_KNOW = re.compile(r"不知道|不清楚|说不清|不晓得|不懂")


def is_flow_command(text: str) -> bool:
    """上一步, 退出, 继续, 重新开始 written alone: what every flow reads as a command."""
    return any(word.match(text) for word in (_BACK, _STOP, _RESUME, _RESTART))


@dataclass(frozen=True, slots=True)
class Turn:
    """What the citizen said at a step: the text, and the NLU's reading when it was available."""

    text: str
    parse: Parse | None

    @property
    def intent(self) -> str | None:
        return self.parse.intent_name if self.parse is not None else None


@dataclass(frozen=True, slots=True)
class Advance:
    """The step read its answer into the slots: the flow decides what to ask next."""


@dataclass(frozen=True, slots=True)
class GoTo:
    """Ask a given step next (e.g. the confirmation's "change" menu); `again` clears what that
    step filled (and the slots in `also`), so its answer is given anew."""

    step: str
    again: bool = False
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Refuse:
    """Not a valid answer: say why in one line (with an example) and ask the same question."""

    reason: str  # a text key


@dataclass(frozen=True, slots=True)
class Finish:
    """The flow ends with this response (a decision, a handoff...)."""

    response: Response


Outcome = Advance | GoTo | Refuse | Finish


class Step(Protocol):
    """One question of a flow and how its answer is read."""

    @property
    def fills(self) -> tuple[str, ...]:
        """The slots this step fills; going back to it clears them."""
        ...

    @property
    def not_understood(self) -> str:
        """The text key said before the question is asked again."""
        ...

    def question(self, slots: dict[str, Any]) -> str: ...

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        """Read the answer into `slots`; None when it is not an answer to this question."""
        ...


@dataclass(frozen=True, slots=True)
class Flow:
    """A named table of steps, the rule for what to ask next, and how the flow ends."""

    name: str
    steps: Mapping[str, Step]
    next_step: Callable[[dict[str, Any], str], Response]  # (slots, prefix) -> ask or finish
    to_human: Callable[[dict[str, Any]], Response]  # 转人工 in the middle: hand over what is known
    first_step: str
    digressions: frozenset[str] = field(default_factory=frozenset)  # intents answered, then resumed
    text_prefix: str = ""  # the flow's own wording in texts.yml (`interview.stopped`), if any
    # What 退出 (or the flow's own `stop_words`, e.g. 不申请了) does beyond saying "stopped".
    on_stop: Callable[[dict[str, Any]], Response] | None = None
    stop_words: re.Pattern[str] | None = None
    keep_on_restart: tuple[str, ...] = ()  # slots 重新开始 keeps (what an earlier flow learnt)


Digression = Callable[[Turn], Response]  # answers a question outside the flow (knowledge base)


class FlowRunner:
    """Runs one turn of the active flow, with the commands valid anywhere."""

    def __init__(self, flow: Flow, texts: Texts) -> None:
        self.flow = flow
        self._texts = texts

    def is_active(self, state: ConversationState) -> bool:
        return state.flow == self.flow.name

    def start(self, slots: dict[str, Any], prefix: str = "") -> Response:
        slots.setdefault(HISTORY, [])
        return self.flow.next_step(slots, prefix)

    def ask(self, step: str, slots: dict[str, Any], prefix: str = "") -> Response:
        question = self.flow.steps[step].question(slots)
        text = f"{prefix}\n{question}" if prefix else question
        return Response([Outbound(text)], ConversationState(flow=self.flow.name, step=step, slots=slots))

    def respond(self, turn: Turn, state: ConversationState, digression: Digression) -> Response:
        """A command, else the step's answer, else a digression answered and resumed, else ask again."""
        slots = dict(state.slots)
        slots[HISTORY] = list(slots.get(HISTORY, []))
        step = state.step or self.flow.first_step
        text = turn.text
        if _STOP.match(text) or (self.flow.stop_words is not None and self.flow.stop_words.search(text)):
            if self.flow.on_stop is not None:
                return self.flow.on_stop(slots)
            return Response([Outbound(self._say("stopped"))], ConversationState())
        if _HUMAN.search(text):
            return self.flow.to_human(slots)
        if _BACK.match(text):
            return self._back(step, slots)
        if _RESUME.match(text):
            return self.ask(step, slots)
        if _RESTART.match(text):
            kept = {key: slots[key] for key in self.flow.keep_on_restart if key in slots}
            return self.start(kept, prefix=self._say("restarted"))
        outcome = self.flow.steps[step].read(turn, slots)
        if outcome is None and turn.intent == "request_human":
            return self.flow.to_human(slots)  # an answer to the question is never taken for a command
        if isinstance(outcome, Finish):
            return outcome.response
        if isinstance(outcome, GoTo):
            if outcome.again:
                for key in self.flow.steps[outcome.step].fills + outcome.also:
                    slots.pop(key, None)
            return self.ask(outcome.step, slots)
        if isinstance(outcome, Refuse):
            return self.ask(step, slots, prefix=self._texts.say(outcome.reason))
        if isinstance(outcome, Advance):
            slots[HISTORY].append(step)
            return self.flow.next_step(slots, "")
        dont_know = f"{self.flow.text_prefix}.dont_know.{step}"  # each question has its own help
        if _DONT_KNOW.search(text) and self._texts.has(dont_know):
            # "不知道" is an honest answer (whatever the NLU makes of it): help, not a rebuke.
            return self.ask(step, slots, prefix=self._texts.say(dont_know))
        if turn.intent in self.flow.digressions:
            return self._answer_then_resume(turn, step, slots, digression)
        return self.ask(step, slots, prefix=self._texts.say(self.flow.steps[step].not_understood))

    def _answer_then_resume(
        self, turn: Turn, step: str, slots: dict[str, Any], digression: Digression
    ) -> Response:
        """Answer the question, then say where we were and ask the same question again."""
        answered = digression(turn)
        resumed = self.ask(step, slots, prefix=self._say("resumed"))
        said = "\n".join(r.text for r in answered.replies)
        replies = [Outbound(f"{said}\n{resumed.replies[0].text}" if said else resumed.replies[0].text)]
        effects: list[Effect] = list(answered.effects)
        return Response(replies, resumed.state, effects)

    def _back(self, step: str, slots: dict[str, Any]) -> Response:
        history: list[str] = slots[HISTORY]
        if not history:
            return self.ask(step, slots, prefix=self._say("back_at_start"))
        previous = history.pop()
        for key in self.flow.steps[step].fills + self.flow.steps[previous].fills:
            slots.pop(key, None)
        slots.pop("confirmed", None)
        return self.ask(previous, slots)

    def _say(self, what: str) -> str:
        """The flow's own wording if the center wrote one (`interview.stopped`), else the shared one."""
        own = f"{self.flow.text_prefix}.{what}"
        return self._texts.say(own if self._texts.has(own) else f"flow.{what}")
