"""The application intake: a legal-aid application taken in the chat, one question per message.

A flow on the engine (bot/dialogue/flow.py), started after an `eligible` decision or by
apply_legal_aid once the interview has decided. It asks what 002 §7.3.1 and §7.4.2 need, in
order, skipping what is known; shows a numbered, masked summary where "改3" or "改电话" goes
back to one answer and returns; submits only on 提交. Answers live in the conversation state
(sealed at rest) until then, so an intake resumes where it stopped, days later, on any worker.
The transcript keeps only the masked form of a personal answer (`Redacted`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.applications.domain.answers import mask_id_number, mask_mobile, mask_name
from bot.applications.domain.intake import DocumentSent, IntakeDropped, IntakeOngoing, Redacted, Submitted
from bot.applications.domain.materials import required_kinds, route_for
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Outbound
from bot.dialogue.engine import Effect, NeedsHuman, Response
from bot.dialogue.flow import Digression, Finish, Flow, FlowRunner, Outcome, Step, Turn
from bot.dialogue.flows.application_steps import (
    CommitmentStep,
    DistrictStep,
    DocumentStep,
    EconomicStep,
    HandledInStep,
    NoticeStep,
    ReviewStep,
    TextStep,
    id_number_step,
    name_step,
    phone_step,
)
from bot.eligibility.rulebook import RuleBook
from bot.privacy.masking import mask_personal_numbers

FLOW = "application"
_STOP_APPLYING = re.compile(r"不申请了|不想申请了|不申请|先不申请|取消申请|不办了")
# Answers whose plain value must never stay in the transcript, and how their message is masked.
_PERSONAL_STEPS = frozenset({"name", "id_number", "phone"})
_WORDED_STEPS = frozenset({"description", "opposing_party", "handled_in"})
# Always asked, in this order; the economic and document steps follow from the route.
_ORDER = ("notice", "name", "id_number", "phone", "district", "description", "opposing_party", "handled_in")


class ApplicationIntake:
    def __init__(
        self, texts: Texts, rulebook: RuleBook, now: Callable[[], datetime], digressions: frozenset[str]
    ) -> None:
        self._texts = texts
        self._rules = rulebook
        self._now = now
        district = DistrictStep(texts, rulebook.district_names)
        steps: dict[str, Step] = {
            "notice": NoticeStep(texts),
            "name": name_step(texts),
            "id_number": id_number_step(texts, lambda: now().date()),
            "phone": phone_step(texts),
            "district": district,
            "description": TextStep(texts, "description", 5, 500),
            "opposing_party": TextStep(texts, "opposing_party", 2, 60, unknown_ok=True),
            "handled_in": HandledInStep(district, texts),
            "economic": EconomicStep(texts),
            "commitment": CommitmentStep(texts, lambda: now().isoformat()),
            "review": ReviewStep(texts, self._summary, self._editable, self._submit),
        }
        for kind in ("id_card", "economic_proof", "exemption_proof", "case_materials"):
            steps[f"doc_{kind}"] = DocumentStep(texts, kind)
        self._runner = FlowRunner(
            Flow(
                name=FLOW,
                steps=steps,
                next_step=self._next_step,
                to_human=self._to_human,
                first_step="notice",
                digressions=digressions,
                text_prefix="intake",
                on_stop=self._dropped,
                stop_words=_STOP_APPLYING,
                keep_on_restart=("screening", "route", "exemption"),
            ),
            texts,
        )

    # ---- entry -----------------------------------------------------------------------------
    def is_active(self, state: ConversationState) -> bool:
        return self._runner.is_active(state)

    def reads_personal(self, state: ConversationState) -> bool:
        """The question asks for a name, ID number or phone: its answer is not sent to the NLU."""
        return self.is_active(state) and state.step in _PERSONAL_STEPS

    def start(self, screening: dict[str, Any], prefix: str = "") -> Response:
        """Begin with what the interview decided; the route follows from its hardship result."""
        decision = screening.get("decision") or {}
        slots: dict[str, Any] = {"screening": screening}
        route = route_for(decision.get("hardship"))
        if route is not None:
            slots["route"] = route
            slots["commitment"] = None
        if route == "exempt":
            slots["exemption"] = self._exemption(screening)
        started = self._runner.start(slots, prefix=prefix)
        return Response(started.replies, started.state, [*started.effects, IntakeOngoing()])

    def respond(self, turn: Turn, state: ConversationState, digression: Digression) -> Response:
        response = self._runner.respond(turn, state, digression)
        if any(isinstance(e, NeedsHuman) for e in response.effects) and not self.is_active(response.state):
            # 转人工 in the middle: the consultant answers, and the intake waits where it was.
            response = Response(
                response.replies, ConversationState(FLOW, state.step, dict(state.slots)), response.effects
            )
        effects: list[Effect] = list(response.effects)
        masked = self._masked(state.step or "", turn.text)
        if masked is not None:
            effects.insert(0, Redacted(masked))
        if self.is_active(response.state):
            effects.append(IntakeOngoing())
        return Response(response.replies, response.state, effects)

    def take_document(self, media_id: str, state: ConversationState) -> Response:
        """A photo during the intake: of the kind asked now, or kept aside until it is sorted."""
        slots = dict(state.slots)
        step = state.step or ""
        kind = step.removeprefix("doc_") if step.startswith("doc_") else None
        effects: list[Effect] = [DocumentSent(media_id, kind), IntakeOngoing()]
        if kind is None:
            text = self._texts.say("intake.photo_kept")
            return Response([Outbound(f"{text}\n{self._question(step, slots)}")], state, effects)
        photos = dict(slots.get("photos", {}))
        photos[kind] = int(photos.get(kind, 0)) + 1
        slots["photos"] = photos
        text = self._texts.say("intake.photo_received", count=str(photos[kind]))
        return Response([Outbound(text)], ConversationState(FLOW, step, slots), effects)

    # ---- what to ask next --------------------------------------------------------------------
    def _steps_for(self, slots: dict[str, Any]) -> list[str]:
        """Every question in order; `_next_step` skips what is answered or not on the route."""
        documents = [f"doc_{kind}" for kind in required_kinds(slots.get("route") or "proof")]
        return [*_ORDER, "economic", "commitment", *documents]

    def _next_step(self, slots: dict[str, Any], prefix: str) -> Response:
        for step in self._steps_for(slots):
            if step == "commitment" and slots.get("route") != "commitment":
                continue
            if any(key not in slots for key in self._fills(step)):
                return self._runner.ask(step, slots, prefix)
        slots.pop("editing", None)
        return self._runner.ask("review", slots, prefix)

    def _fills(self, step: str) -> tuple[str, ...]:
        if step == "economic":
            return ("route",)
        return self._runner.flow.steps[step].fills

    def _question(self, step: str, slots: dict[str, Any]) -> str:
        return self._runner.flow.steps[step].question(slots) if step in self._runner.flow.steps else ""

    # ---- review and submission ---------------------------------------------------------------
    def _editable(self, slots: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(step, label, short word) for each numbered line of the summary, in its order."""
        items = [
            ("name", "姓名", "名字"),
            ("id_number", "身份证号", "身份证"),
            ("phone", "手机号", "电话"),
            ("district", "所在区县", "区县"),
            ("description", "事情经过", "经过"),
            ("opposing_party", "对方", "对方"),
            ("handled_in", "办理地", "地点"),
        ]
        if slots.get("route") in ("proof", "commitment") and "exemption" not in slots:
            items.append(("economic", "经济状况", "经济"))
        return items

    def _summary(self, slots: dict[str, Any]) -> str:
        values = {
            "name": mask_name(slots.get("name", "")),
            "id_number": mask_id_number(slots.get("id_number", "")) if slots.get("id_number") else "",
            "phone": mask_mobile(slots.get("phone", "")) if slots.get("phone") else "",
            "district": slots.get("district", ""),
            "description": _short(mask_personal_numbers(slots.get("description", ""))),
            "opposing_party": _short(mask_personal_numbers(slots.get("opposing_party", ""))),
            "handled_in": slots.get("handled_in", ""),
            "economic": self._economic_line(slots),
        }
        lines = [
            f"{i}. {label}：{values[step]}"
            for i, (step, label, _) in enumerate(self._editable(slots), start=1)
        ]
        lines.append(f"事由：{self._matter_name(slots)}")
        if "exemption" in slots or slots.get("route") == "not_required":
            lines.append(f"经济状况：{self._economic_line(slots)}")
        lines.append(f"材料：{self._materials_line(slots)}")
        return "\n".join(lines)

    def _economic_line(self, slots: dict[str, Any]) -> str:
        route = slots.get("route")
        if route == "commitment":
            return self._texts.say("intake.economic.commitment")
        if route == "exempt":
            return self._texts.say("intake.economic.exempt", why=slots.get("exemption", ""))
        if route == "not_required":
            return self._texts.say("intake.economic.not_required")
        return self._texts.say("intake.economic.proof")

    def _materials_line(self, slots: dict[str, Any]) -> str:
        photos = slots.get("photos", {})
        parts = []
        for kind in required_kinds(slots.get("route") or "proof"):
            name = self._texts.say(f"application.kind.{kind}")
            count = int(photos.get(kind, 0))
            parts.append(f"{name}{count}张" if count else f"{name}（待补）")
        return "、".join(parts)

    def _matter_name(self, slots: dict[str, Any]) -> str:
        matter = ((slots.get("screening") or {}).get("case") or {}).get("matter")
        return self._rules.matter_name(str(matter)) if matter in self._rules.matters else "（未说明）"

    def _submit(self, slots: dict[str, Any]) -> Outcome:
        screening = slots.get("screening") or {}
        particulars = {
            key: slots.get(key)
            for key in (
                "name",
                "id_number",
                "phone",
                "description",
                "opposing_party",
                "handled_in",
                "commitment",
            )
        }
        particulars["screening"] = screening
        particulars["exemption"] = slots.get("exemption")
        submitted = Submitted(
            matter=(screening.get("case") or {}).get("matter") or "other_prescribed",
            district=slots["district"],
            route=slots.get("route") or "proof",
            particulars=particulars,
        )
        # The reply with the number is written by the applications use case, with the number.
        return Finish(Response([], ConversationState(), [submitted]))

    # ---- leaving -----------------------------------------------------------------------------
    def _dropped(self, slots: dict[str, Any]) -> Response:
        return Response([Outbound(self._texts.say("intake.stopped"))], ConversationState(), [IntakeDropped()])

    def _to_human(self, slots: dict[str, Any]) -> Response:
        """A consultant takes over; the draft stays, and 继续 resumes it after the conversation."""
        return Response(
            [Outbound(self._texts.say("intake.human"))], ConversationState(), [NeedsHuman("request_human")]
        )

    def _exemption(self, screening: dict[str, Any]) -> str:
        persons = ((screening.get("case") or {}).get("person_categories")) or []
        names = [self._rules.person_name(p) for p in persons if p in self._rules.persons]
        return "、".join(names)

    def _masked(self, step: str, text: str) -> str | None:
        if step == "name":
            stripped = text.strip()
            return mask_name(stripped) if stripped else None
        if step in _PERSONAL_STEPS:
            masked = mask_personal_numbers(text)
            # An answer that is no recognisable number still hides every digit.
            return masked if masked != text else re.sub(r"[0-9０-９]", "*", text)
        if step in _WORDED_STEPS:
            masked = mask_personal_numbers(text)
            return masked if masked != text else None
        return None


def _short(text: str, longest: int = 30) -> str:
    return text if len(text) <= longest else text[:longest] + "…"
