"""The eligibility interview: asks only what the rules still need, one question per message.

A flow on the engine in bot/dialogue/flow.py: each question is a step that reads its answer
into the slots; `_next_step` asks the first thing the rules still need and decides as soon
as they need nothing more. 上一步, 退出, 转人工, 继续, 重新开始 and knowledge-base questions are the
engine's, valid at every step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.center.menus import Choice, InterviewMenus, Menu
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Outbound
from bot.dialogue.engine import Effect, NeedsHuman, Response, Screened
from bot.dialogue.flow import Advance, Digression, Finish, Flow, FlowRunner, GoTo, Outcome, Turn
from bot.dialogue.flows.household_figures import take_figures
from bot.eligibility.rulebook import RuleBook
from bot.eligibility.screening import ScreeningCase, screen
from bot.nlu.parse import Parse

FLOW = "eligibility"
_UNKNOWN = re.compile(r"不知道|不清楚|说不清|不晓得|没算过")
_YES = re.compile(r"^\s*(1|１|对|对的|是|是的|没错|嗯|正确)\s*$")
_NO = re.compile(r"^\s*(2|２|不对|错了|不是|要修改|修改|改)\s*$")
# The confirmation's "change" menu: which answer to give again, and what it clears.
CHANGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "1": ("areas", ("defendant_flags", "persons")),
    "2": ("persons", ()),
    "3": ("household_size", ()),
    "4": ("income", ()),
}
NOT_UNDERSTOOD = "interview.not_understood"
NUMBER_NOT_UNDERSTOOD = "interview.number_not_understood"


class EligibilityInterview:
    def __init__(
        self, texts: Texts, menus: InterviewMenus, rulebook: RuleBook, digressions: frozenset[str]
    ) -> None:
        self._texts = texts
        self._menus = menus
        self._rules = rulebook
        footer = texts.say("interview.reply_numbers")
        flow = Flow(
            name=FLOW,
            first_step="areas",
            steps={
                "areas": _MenuStep(
                    lambda _slots: menus.areas, footer, ("menu", "matter", "case_flags"), self._reroute
                ),
                "menu": _MenuStep(
                    lambda slots: menus.menus[slots["menu"]], footer, ("matter", "case_flags"), self._reroute
                ),
                "defendant_flags": _CodesStep(menus.defendant_flags, "defendant_flags"),
                "persons": _CodesStep(menus.persons, "persons", takes_figures=True),
                "household_size": _FigureStep(texts, "household_size"),
                "income": _FigureStep(texts, "income", on_unknown=self._finish_without_income),
                "confirm": _ConfirmStep(texts, self._summary, self._finish),
                "change": _ChangeStep(texts),
            },
            next_step=self._next_step,
            to_human=self._to_human,
            digressions=digressions,
            text_prefix="interview",
        )
        self._runner = FlowRunner(flow, texts)

    # ---- entry -----------------------------------------------------------------------
    def start(self, intent: str | None, parse: Parse | None, story: str | None = None) -> Response:
        """Begin from ask_eligibility / apply_legal_aid, or from a consult_* intent's topic.

        `story`: what the citizen said before the interview began (its words may name the matter).
        """
        slots: dict[str, Any] = {}
        start = self._menus.from_intent.get(intent or "")
        if start is not None:
            _apply_choice(slots, start)
            told = story or (parse.text if parse is not None else None)
            if start.menu and told:
                self._pick_from_words(slots, start.menu, told)
        if parse is not None:
            take_figures(slots, parse, text=parse.text, story=True)
        return self._runner.start(slots, prefix=self._texts.say("interview.intro"))

    def _reroute(self, turn: Turn, slots: dict[str, Any]) -> bool:
        """A menu answered in words ("都不是，我的事是生意合同纠纷"): the words name the matter."""
        if _UNKNOWN.search(turn.text):
            return False  # "我也说不清楚" is no matter: the question's own help follows
        sure = turn.parse is not None and turn.parse.intent.confidence >= _REROUTE_CONFIDENCE
        intent = turn.parse.intent_name if turn.parse is not None and sure else None
        choice = self._menus.from_intent.get(intent or "") or self._named_in_any_menu(turn.text)
        if choice is None:
            return False
        for key in ("menu", "matter", "case_flags"):
            slots.pop(key, None)
        _apply_choice(slots, choice)
        if choice.menu:
            self._pick_from_words(slots, choice.menu, turn.text)
        return True

    def _named_in_any_menu(self, text: str) -> Choice | None:
        """The one option of all the menus whose words the answer uses ("生意合同" → 其他民事)."""
        named = [
            choice
            for menu in self._menus.menus.values()
            for choice in menu.options
            if any(k in text for k in choice.keywords if k not in _TOO_GENERAL)
        ]
        return named[0] if len(named) == 1 else None

    def _pick_from_words(self, slots: dict[str, Any], menu: str, text: str) -> None:
        """ "老板拖欠我工资" already says which labour problem: never ask what the citizen told us."""
        named = [c for c in self._menus.menus[menu].options if any(k in text for k in c.keywords)]
        if len(named) == 1:
            _apply_choice(slots, named[0])

    def is_active(self, state: ConversationState) -> bool:
        return self._runner.is_active(state)

    def respond(self, turn: Turn, state: ConversationState, digression: Digression) -> Response:
        return self._runner.respond(turn, state, digression)

    # ---- what to ask next --------------------------------------------------------------
    def _next_step(self, slots: dict[str, Any], prefix: str) -> Response:
        """Ask the first thing the rules still need; decide as soon as they need nothing more."""
        ask = self._runner.ask
        if slots.get("matter") is None:
            return ask("menu" if slots.get("menu") else "areas", slots, prefix)
        if slots["matter"] == "criminal_suspect_defense" and "defendant_flags" not in slots:
            return ask("defendant_flags", slots, prefix)
        if screen(self._case(slots), self._rules).decision != "needs_more_info":
            return self._confirm_or_finish(slots, prefix)
        for step in ("persons", "household_size", "income"):
            if step not in slots:
                return ask(step, slots, prefix)
        return self._confirm_or_finish(slots, prefix)

    def _confirm_or_finish(self, slots: dict[str, Any], prefix: str) -> Response:
        """Confirm only when the citizen typed free answers we interpreted; menus need no echo."""
        if slots.get("guessed") and not slots.get("confirmed"):
            slots["confirmed"] = True
            return self._runner.ask("confirm", slots, prefix)
        return self._finish(slots, prefix)

    # ---- the end -----------------------------------------------------------------------
    def _case(self, slots: dict[str, Any]) -> ScreeningCase:
        income = slots.get("income")
        return ScreeningCase(
            matter=slots["matter"],
            person_categories=tuple(slots.get("persons", ())),
            household_size=slots.get("household_size"),
            household_monthly_income=Decimal(income) if income is not None else None,
            district=None,
            commitment_signed=False,
            case_flags=tuple(slots.get("case_flags", ())),
            defendant_flags=tuple(slots.get("defendant_flags", ())),
        )

    def _summary(self, slots: dict[str, Any]) -> str:
        lines = [f"事由：{self._rules.matter_name(slots['matter'])}"]
        persons = [self._rules.person_name(code) for code in slots.get("persons", [])]
        lines.append("身份：" + ("、".join(persons) if persons else "以上都不是"))
        if slots.get("household_size") is not None:
            lines.append(f"家里人数：{slots['household_size']}人")
        if slots.get("income") is not None:
            approx = "约" if slots.get("income_approximate") else ""
            lines.append(f"全家月收入：{approx}{_yuan(slots['income'])}元")
        return "\n".join(lines)

    def _finish_without_income(self, slots: dict[str, Any]) -> Response:
        slots["income"] = None
        return self._finish(slots)

    def _finish(self, slots: dict[str, Any], prefix: str = "") -> Response:
        case = self._case(slots)
        decision = screen(case, self._rules)
        effects: list[Effect] = [Screened(case=_case_json(case), decision=decision.to_json())]
        reasons = "\n".join(f"· {r.text}" for r in decision.reasons[:3])
        if decision.decision == "needs_more_info":
            text = self._texts.say("interview.unknown_income")
        elif decision.route == "notify_assignment":
            text = self._texts.say("decision.notify_assignment", reasons=reasons)
        elif decision.decision == "eligible":
            proof_key = (
                "decision.proof_not_needed"
                if decision.hardship in ("exempt", "not_required")
                else "decision.proof_needed"
            )
            text = self._texts.say("decision.eligible", reasons=reasons, proof=self._texts.say(proof_key))
        elif decision.decision == "ineligible" and slots.get("matter") == OUT_OF_SCOPE:
            # Not a legal-aid matter: say why and where to go; a human here could do no more.
            text = self._texts.say("decision.out_of_scope", reasons=reasons)
        elif decision.decision == "ineligible":
            text = self._texts.say("decision.ineligible", reasons=reasons)
        else:
            text = self._texts.say("decision.needs_review")
            effects.append(NeedsHuman("needs_review"))
        if prefix:
            text = f"{prefix}\n{text}"
        return Response([Outbound(text)], ConversationState(), effects)

    def _to_human(self, slots: dict[str, Any]) -> Response:
        effects: list[Effect] = [NeedsHuman("request_human")]
        if slots.get("matter"):
            case = self._case(slots)
            effects.append(Screened(case=_case_json(case), decision=screen(case, self._rules).to_json()))
        return Response([Outbound(self._texts.say("interview.human"))], ConversationState(), effects)


# ---- the steps -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _MenuStep:
    """A numbered menu with one answer: the areas, then the menu of that area."""

    menu_for: Any  # (slots) -> Menu
    footer: str
    fills: tuple[str, ...]
    reroute: Any = None  # (turn, slots) -> bool: the words of an answer no option matched
    not_understood: str = NOT_UNDERSTOOD

    def question(self, slots: dict[str, Any]) -> str:
        menu: Menu = self.menu_for(slots)
        return menu.render(self.footer)

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        menu: Menu = self.menu_for(slots)
        choice = menu.pick_one(turn.text)
        if choice is None:
            return Advance() if self.reroute is not None and self.reroute(turn, slots) else None
        _apply_choice(slots, choice)
        return Advance()


@dataclass(frozen=True, slots=True)
class _CodesStep:
    """A menu with several answers, or none: the defendant's circumstances, the person categories
    (where figures typed instead, "三口人，月入三千", are kept and mean "none of these")."""

    menu: Menu
    slot: str
    takes_figures: bool = False
    not_understood: str = NOT_UNDERSTOOD

    @property
    def fills(self) -> tuple[str, ...]:
        return (self.slot,)

    def question(self, slots: dict[str, Any]) -> str:
        return self.menu.render()

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        picked = self.menu.pick_many(turn.text)
        if picked is None:
            if not self.takes_figures or turn.parse is None or not take_figures(slots, turn.parse, turn.text):
                return None
            picked = []
        slots[self.slot] = [c.code for c in picked if c.code]
        if self.takes_figures and turn.parse is not None:
            take_figures(slots, turn.parse, turn.text)
        return Advance()


@dataclass(frozen=True, slots=True)
class _FigureStep:
    """Household size or monthly income: a bare number, or figures in a sentence."""

    texts: Texts
    name: str
    on_unknown: Any = None  # (slots) -> Response, when "不知道" is a fair answer
    not_understood: str = NUMBER_NOT_UNDERSTOOD

    @property
    def fills(self) -> tuple[str, ...]:
        return ("income", "income_approximate") if self.name == "income" else (self.name,)

    def question(self, slots: dict[str, Any]) -> str:
        return self.texts.say(f"interview.{self.name}")

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        if self.on_unknown is not None and _UNKNOWN.search(turn.text):
            response: Response = self.on_unknown(slots)
            return Finish(response)
        if not take_figures(slots, turn.parse, turn.text, expecting=self.name):
            return None
        return Advance()


@dataclass(frozen=True, slots=True)
class _ConfirmStep:
    """Echo what was read from free answers; 1 decides, 2 asks what to change."""

    texts: Texts
    summary: Any  # (slots) -> str
    finish: Any  # (slots) -> Response
    fills: tuple[str, ...] = ()
    not_understood: str = NOT_UNDERSTOOD

    def question(self, slots: dict[str, Any]) -> str:
        return self.texts.say("interview.confirm", summary=self.summary(slots))

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        # The numbered answer decides first: the NLU reads "2" and "要修改" as agreement.
        if _NO.match(turn.text):
            return GoTo("change")
        if _YES.match(turn.text):
            return Finish(self.finish(slots))
        if turn.intent == "deny":
            return GoTo("change")
        if turn.intent == "affirm":
            return Finish(self.finish(slots))
        return None


@dataclass(frozen=True, slots=True)
class _ChangeStep:
    """Which answer to give again; its slots are cleared and its question asked."""

    texts: Texts
    fills: tuple[str, ...] = ()
    not_understood: str = NOT_UNDERSTOOD

    def question(self, slots: dict[str, Any]) -> str:
        return self.texts.say("interview.change")

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        change = CHANGES.get(turn.text.strip()[:1])
        if change is None:
            return None
        step, also = change
        return GoTo(step, again=True, also=also)


# ---- reading answers ---------------------------------------------------------------------
def _apply_choice(slots: dict[str, Any], choice: Choice) -> None:
    if choice.menu:
        slots["menu"] = choice.menu
    if choice.matter:
        slots["matter"] = choice.matter
        slots["case_flags"] = list(choice.case_flags)


# A menu answered in words is re-routed by the NLU only when it is this sure of the matter.
_REROUTE_CONFIDENCE = 0.6
# Option words that name no matter on their own ("其他" is in several menus).
_TOO_GENERAL = frozenset({"其他", "别的"})
OUT_OF_SCOPE = "outside_scope"  # the rules' matter for what legal aid does not cover


def _case_json(case: ScreeningCase) -> dict[str, Any]:
    """The case as POST /api/eligibility takes it (JSON numbers; money exact to the fen)."""
    income = case.household_monthly_income
    amount: int | float | None = None
    if income is not None:
        amount = int(income) if income == income.to_integral_value() else float(income)
    return {
        "matter": case.matter,
        "person_categories": list(case.person_categories),
        "household_size": case.household_size,
        "household_monthly_income": amount,
        "commitment_signed": case.commitment_signed,
        "case_flags": list(case.case_flags),
        "defendant_flags": list(case.defendant_flags),
    }


def _yuan(value: str) -> str:
    amount = Decimal(value)
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
