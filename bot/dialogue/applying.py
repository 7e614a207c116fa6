"""Applying, around the intake flow: the offer after a decision, photos, progress, withdrawal.

What a citizen with an application says outside the intake: "我的申请怎么样了", a photo of a
missing material (which kind is it?), "撤回申请". The applications themselves are read through
`find_applications` (the use case in bot/applications/progress.py); everything written goes back
as effects, in the turn's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.applications.domain.intake import DocumentSent, DocumentsSorted, Withdrawn
from bot.applications.progress import ApplicationProgress, ApplicationSummary
from bot.center.texts import Texts
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import Effect, NeedsHuman, Response, Screened
from bot.dialogue.flows.application_intake import ApplicationIntake
from bot.nlu.numbered_choice import read_choice_numbers
from bot.nlu.parse import Parse

APPLY_OFFER = "apply_offer"
DOCUMENT_KIND = "document_kind"
WITHDRAW_CONFIRM = "withdraw_confirm"
THEN_APPLY = "then_apply"  # in the interview's slots: the citizen asked to apply, not just to check
_ACCEPT = re.compile(r"^\s*(1|１|申请|我要申请|现在申请|好|好的|可以|要|是|是的|行|嗯)\s*[。.!！]?\s*$")
_WITHDRAW = re.compile(r"撤回申请|撤销申请|撤回我的申请|不要申请了")
_CONFIRM_WITHDRAW = re.compile(r"^\s*(确认撤回|确定撤回|撤回)\s*[。.!！]?\s*$")
_SORTED_KINDS = ("id_card", "economic_proof", "exemption_proof", "case_materials")

FindApplications = Callable[[str], Awaitable[list[ApplicationSummary]]]  # by openid


class Applying:
    def __init__(
        self, texts: Texts, intake: ApplicationIntake, progress: ApplicationProgress, find: FindApplications
    ) -> None:
        self._texts = texts
        self.intake = intake
        self._progress = progress
        self._find = find

    # ---- after the interview -------------------------------------------------------------------
    def after_interview(self, response: Response, then_apply: bool) -> Response:
        """An eligible decision is followed by the offer to apply now, or, when the citizen asked
        to apply, by the intake itself (staff review a needs_review case in the application)."""
        screened = next((e for e in response.effects if isinstance(e, Screened)), None)
        if screened is None or response.state.flow is not None:
            return response
        decision = screened.decision
        eligible = decision.get("decision") == "eligible" and decision.get("route") == "apply"
        reviewable = decision.get("decision") == "needs_review"
        screening = {"case": screened.case, "decision": decision}
        said = "\n".join(r.text for r in response.replies)
        if then_apply and (eligible or reviewable):
            effects = [e for e in response.effects if not isinstance(e, NeedsHuman)]
            prefix = said if eligible else self._texts.say("intake.needs_review_first")
            started = self.intake.start(screening, prefix=f"{prefix}\n{self._texts.say('intake.intro')}")
            return Response(started.replies, started.state, [*effects, *started.effects])
        if eligible:
            offer = self._texts.say("apply.offer")
            state = ConversationState(step=APPLY_OFFER, slots={"screening": screening})
            return Response([Outbound(f"{said}\n{offer}")], state, list(response.effects))
        return response

    def answer_offer(self, text: str, parse: Parse | None, state: ConversationState) -> Response | None:
        """The citizen answers "现在就在微信里申请吗？"."""
        intent = parse.intent_name if parse is not None else None
        if _ACCEPT.match(text) or intent in ("affirm", "apply_legal_aid"):
            return self.intake.start(
                state.slots.get("screening") or {}, prefix=self._texts.say("intake.intro")
            )
        return None

    # ---- outside the intake ----------------------------------------------------------------------
    async def photo(self, inbound: Inbound, state: ConversationState) -> Response | None:
        """A photo: the intake's material, or a missing material of a submitted application."""
        if inbound.media_id is None:
            return None
        if self.intake.is_active(state):
            return self.intake.take_document(inbound.media_id, state)
        apps = await self._find(inbound.citizen_openid)
        if not any(app.open_for_materials for app in apps):
            return None
        effects: list[Effect] = [DocumentSent(inbound.media_id, None)]
        return Response(
            [Outbound(self._texts.say("application.document_kind"))],
            ConversationState(step=DOCUMENT_KIND),
            effects,
        )

    def sort_photos(self, text: str) -> Response | None:
        numbers = read_choice_numbers(text, len(_SORTED_KINDS))
        if not numbers or len(numbers) != 1:
            return None
        kind = _SORTED_KINDS[numbers[0] - 1]
        return Response(
            [Outbound(self._texts.say("application.document_sorted"))],
            ConversationState(),
            [DocumentsSorted(kind)],
        )

    async def progress(self, openid: str) -> Response:
        apps = await self._find(openid)
        return Response([Outbound(self._progress.describe(apps))], ConversationState())

    async def maybe_withdraw(self, text: str, openid: str) -> Response | None:
        if not _WITHDRAW.search(text):
            return None
        mine = await self._find(openid)
        # "撤回申请FY…" names which one; without a number, the newest that may still be withdrawn.
        named = [app for app in mine if app.number and app.number in text.upper()]
        apps = [app for app in (named or mine) if app.may_withdraw]
        if not apps:
            return Response([Outbound(self._texts.say("application.withdraw_none"))], ConversationState())
        number = apps[0].number
        state = ConversationState(step=WITHDRAW_CONFIRM, slots={"number": number})
        return Response([Outbound(self._texts.say("application.withdraw_confirm", number=number))], state)

    def confirm_withdraw(self, text: str, slots: dict[str, Any]) -> Response:
        number = str(slots.get("number", ""))
        if _CONFIRM_WITHDRAW.match(text):
            return Response([], ConversationState(), [Withdrawn(number)])
        return Response(
            [Outbound(self._texts.say("application.withdraw_kept", number=number))], ConversationState()
        )
