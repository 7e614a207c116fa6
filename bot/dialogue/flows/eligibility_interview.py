"""The eligibility interview: asks only what the rules still need, one question per message.

Its state is ConversationState(flow="eligibility", step=<the question asked>, slots=answers),
stored with every turn, so an interview resumes on any worker, also days later.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.consultations.turns import ConversationState, Outbound
from bot.dialogue.engine import Effect, NeedsHuman, Response, Screened
from bot.dialogue.flows.interview_menus import Choice, InterviewMenus
from bot.dialogue.texts import Texts
from bot.eligibility.rulebook import RuleBook
from bot.eligibility.screening import ScreeningCase, screen
from bot.nlu.chinese_numbers import parse_number
from bot.nlu.parse import Parse

FLOW = "eligibility"
# What each question fills in; going back to a question clears its answers.
STEP_SLOTS: dict[str, tuple[str, ...]] = {
    "areas": ("menu", "matter", "case_flags"),
    "menu": ("matter", "case_flags"),
    "defendant_flags": ("defendant_flags",),
    "persons": ("persons",),
    "household_size": ("household_size",),
    "income": ("income", "income_approximate"),
    "confirm": (),
    "change": (),
}
_BACK = re.compile(r"^\s*(上一步|返回|上一个|回到上一步|后退)\s*$")
_STOP = re.compile(r"^\s*(退出|不问了|算了|结束|不用了|取消)\s*$")
_HUMAN = re.compile(r"转人工|人工|真人|找律师说")
_RESUME = re.compile(r"^\s*(继续|接着来|继续吧|好的继续)\s*$")
_UNKNOWN = re.compile(r"不知道|不清楚|说不清|不晓得|没算过")
_DIGITS = re.compile(r"^\s*([0-9０-９]+(?:\.[0-9]+)?)\s*(?:元|块|块钱|人|口|口人|个人)?\s*$")
_YES = re.compile(r"^\s*(1|１|对|对的|是|是的|没错|嗯|正确)\s*$")
_NO = re.compile(r"^\s*(2|２|不对|错了|不是|要修改|修改|改)\s*$")
# Interruptions the interview pauses for; other intents are read as answers or asked again.
PAUSING_INTENTS = frozenset(
    {"greet", "thank", "help", "ask_materials", "ask_office_info", "ask_progress", "out_of_scope"}
)


class EligibilityInterview:
    def __init__(self, texts: Texts, menus: InterviewMenus, rulebook: RuleBook) -> None:
        self._texts = texts
        self._menus = menus
        self._rules = rulebook

    # ---- entry -----------------------------------------------------------------------
    def start(self, intent: str | None, parse: Parse | None) -> Response:
        """Begin from ask_eligibility / apply_legal_aid, or from a consult_* intent's topic."""
        slots: dict[str, Any] = {"history": []}
        start = self._menus.from_intent.get(intent or "")
        if start is not None:
            self._apply_choice(slots, start)
        if parse is not None:
            self._take_figures(slots, parse, text=parse.text)
        return self._ask_next(slots, prefix=self._texts.say("interview.intro"))

    def is_active(self, state: ConversationState) -> bool:
        return state.flow == FLOW

    # ---- one answer ------------------------------------------------------------------
    def answer(self, text: str, parse: Parse | None, state: ConversationState) -> Response | None:
        """The next turn of the interview, or None when the message is an interruption
        the router should answer (the interview then waits, marked paused)."""
        slots = dict(state.slots)
        slots["history"] = list(slots.get("history", []))
        step = state.step or "areas"
        if _STOP.match(text):
            return self._say(self._texts.say("interview.stopped"), ConversationState())
        if _HUMAN.search(text) or (parse is not None and parse.intent_name == "request_human"):
            return self._to_human("request_human", slots)
        if _BACK.match(text):
            return self._back(step, slots)
        if _RESUME.match(text):
            slots.pop("paused", None)
            return self._ask(step, slots)
        handled = self._answer_step(step, text, parse, slots)
        if handled is not None:
            slots.pop("paused", None)
            return handled
        if parse is not None and parse.intent_name in PAUSING_INTENTS:
            return None
        again = (
            "interview.number_not_understood"
            if step in ("household_size", "income")
            else "interview.not_understood"
        )
        return self._ask(step, slots, prefix=self._texts.say(again))

    def paused(self, state: ConversationState) -> ConversationState:
        return ConversationState(flow=FLOW, step=state.step, slots={**state.slots, "paused": True})

    def _answer_step(
        self, step: str, text: str, parse: Parse | None, slots: dict[str, Any]
    ) -> Response | None:
        if step in ("areas", "menu"):
            menu = self._menus.areas if step == "areas" else self._menus.menus[slots["menu"]]
            choice = menu.pick_one(text)
            if choice is None:
                return None
            self._apply_choice(slots, choice)
        elif step == "defendant_flags":
            picked = self._menus.defendant_flags.pick_many(text)
            if picked is None:
                return None
            slots["defendant_flags"] = [c.code for c in picked if c.code]
        elif step == "persons":
            picked = self._menus.persons.pick_many(text)
            if picked is None:
                if parse is None or not self._take_figures(slots, parse, text):
                    return None
                picked = []
            slots["persons"] = [c.code for c in picked if c.code]
            if parse is not None:
                self._take_figures(slots, parse, text)
        elif step in ("household_size", "income"):
            if _UNKNOWN.search(text) and step == "income":
                slots["income"] = None
                return self._finish(slots)
            if not self._take_figures(slots, parse, text, expecting=step):
                return None
        elif step == "confirm":
            # The numbered answer decides first: the NLU reads "2" and "要修改" as agreement.
            if _NO.match(text):
                return self._ask("change", slots)
            if _YES.match(text):
                return self._finish(slots)
            if parse is not None and parse.intent_name == "deny":
                return self._ask("change", slots)
            if parse is not None and parse.intent_name == "affirm":
                return self._finish(slots)
            return None
        elif step == "change":
            which = {"1": "areas", "2": "persons", "3": "household_size", "4": "income"}.get(text.strip()[:1])
            if which is None:
                return None
            for key in STEP_SLOTS[which] + (("defendant_flags", "persons") if which == "areas" else ()):
                slots.pop(key, None)
            return self._ask(which, slots)
        slots["history"].append(step)
        return self._ask_next(slots)

    # ---- what to ask next --------------------------------------------------------------
    def _ask_next(self, slots: dict[str, Any], prefix: str = "") -> Response:
        """Ask the first thing the rules still need; decide as soon as they need nothing more."""
        if slots.get("matter") is None:
            return self._ask("menu" if slots.get("menu") else "areas", slots, prefix=prefix)
        if slots["matter"] == "criminal_suspect_defense" and "defendant_flags" not in slots:
            return self._ask("defendant_flags", slots, prefix=prefix)
        if screen(self._case(slots), self._rules).decision != "needs_more_info":
            return self._confirm_or_finish(slots, prefix)
        for step in ("persons", "household_size", "income"):
            if step not in slots:
                return self._ask(step, slots, prefix=prefix)
        return self._confirm_or_finish(slots, prefix)

    def _confirm_or_finish(self, slots: dict[str, Any], prefix: str) -> Response:
        """Confirm only when the citizen typed free answers we interpreted; menus need no echo."""
        if slots.get("guessed") and not slots.get("confirmed"):
            slots["confirmed"] = True
            return self._ask("confirm", slots, prefix=prefix)
        return self._finish(slots, prefix)

    def _ask(self, step: str, slots: dict[str, Any], prefix: str = "") -> Response:
        footer = self._texts.say("interview.reply_numbers")
        if step == "areas":
            question = self._menus.areas.render(footer)
        elif step == "menu":
            question = self._menus.menus[slots["menu"]].render(footer)
        elif step == "defendant_flags":
            question = self._menus.defendant_flags.render()
        elif step == "persons":
            question = self._menus.persons.render()
        elif step == "confirm":
            question = self._texts.say("interview.confirm", summary=self._summary(slots))
        elif step == "change":
            question = self._texts.say("interview.change")
        else:
            question = self._texts.say(f"interview.{step}")
        text = f"{prefix}\n{question}" if prefix else question
        return self._say(text, ConversationState(flow=FLOW, step=step, slots=slots))

    def _back(self, step: str, slots: dict[str, Any]) -> Response:
        history: list[str] = slots["history"]
        if not history:
            return self._ask(step, slots, prefix=self._texts.say("interview.back_at_start"))
        previous = history.pop()
        for key in STEP_SLOTS.get(step, ()) + STEP_SLOTS.get(previous, ()):
            slots.pop(key, None)
        if previous == "areas":
            slots.pop("menu", None)
        slots.pop("confirmed", None)
        return self._ask(previous, slots)

    # ---- answers -----------------------------------------------------------------------
    def _apply_choice(self, slots: dict[str, Any], choice: Choice) -> None:
        if choice.menu:
            slots["menu"] = choice.menu
        if choice.matter:
            slots["matter"] = choice.matter
            slots["case_flags"] = list(choice.case_flags)

    def _take_figures(
        self, slots: dict[str, Any], parse: Parse | None, text: str, expecting: str | None = None
    ) -> bool:
        """Read household size and income from entities ("三口人，一个月四千多") or a bare number."""
        took = False
        if parse is not None:
            sizes = [v for v in parse.entity_values("household_size") if isinstance(v, int) and v >= 1]
            money = [e for e in parse.entities if e.get("entity") == "money"]
            if sizes:
                slots["household_size"], slots["guessed"], took = sizes[0], True, True
            if money and (expecting != "household_size" or sizes):
                slots["income"] = str(money[0]["value"])
                slots["income_approximate"] = bool(money[0].get("approximate"))
                slots["guessed"], took = True, True
        if took or expecting is None:
            return took
        value = _bare_number(text)
        if value is None:
            return False
        if expecting == "household_size":
            if value != int(value) or not 1 <= value <= 50:
                return False
            slots["household_size"] = int(value)
        else:
            slots["income"] = str(value)
            slots["income_approximate"] = False
        return True

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

    # ---- the end -----------------------------------------------------------------------
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
        elif decision.decision == "ineligible":
            text = self._texts.say("decision.ineligible", reasons=reasons)
        else:
            text = self._texts.say("decision.needs_review")
            effects.append(NeedsHuman("needs_review"))
        if prefix:
            text = f"{prefix}\n{text}"
        return Response([Outbound(text)], ConversationState(), effects)

    def _to_human(self, reason: str, slots: dict[str, Any]) -> Response:
        effects: list[Effect] = [NeedsHuman(reason)]
        if slots.get("matter"):
            case = self._case(slots)
            effects.append(Screened(case=_case_json(case), decision=screen(case, self._rules).to_json()))
        return Response([Outbound(self._texts.say("interview.human"))], ConversationState(), effects)

    @staticmethod
    def _say(text: str, state: ConversationState) -> Response:
        return Response([Outbound(text)], state)


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


def _bare_number(text: str) -> Decimal | None:
    match = _DIGITS.match(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if match:
        try:
            return Decimal(match.group(1))
        except InvalidOperation:
            return None
    value = parse_number(text.strip().rstrip("元块人口个"))
    return None if value is None else Decimal(str(value))


def _yuan(value: str) -> str:
    amount = Decimal(value)
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
