"""The intake's questions: each reads one answer, or refuses it with a one-line reason.

Every question's wording is in data/texts.yml (`intake.ask.<step>`), every refusal too
(`intake.invalid.<reason>`, which always carries an example of a good answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.applications.domain.answers import Refusal, age_disagrees, read_id_number, read_mobile, read_name
from bot.center.texts import Texts
from bot.dialogue.flow import Advance, GoTo, Outcome, Refuse, Turn
from bot.nlu.numbered_choice import read_choice_numbers

AGREE = re.compile(r"^\s*(1|１|同意|我同意|确认|好|好的|可以|是|是的|知道了|明白|嗯)\s*[。.!！]?\s*$")
DONE = re.compile(r"^\s*(好了|发完了|发好了|完成|完了|就这些|没有了|没了|ok|OK)\s*[。.!！]?\s*$")
LATER = re.compile(r"^\s*(跳过|以后再发|以后发|稍后|稍后发|暂时没有|没有|现在没有|下次)\s*[。.!！]?\s*$")
SAME_PLACE = re.compile(r"^\s*(1|１|本地|这里|一样|同上|就在本地|就是这里)\s*[。.!！]?\s*$")
PROMISE = re.compile(r"^\s*我承诺\s*[。.!！]?\s*$")
USE_PROOF = re.compile(r"改用证明|不签|开证明")
UNKNOWN = re.compile(r"不知道|不清楚|说不清|不晓得")
DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 500
PARTY_MAX = 60


def _ask(texts: Texts, step: str, **values: str) -> str:
    return texts.say(f"intake.ask.{step}", **values)


@dataclass(frozen=True, slots=True)
class NoticeStep:
    """The rights and obligations, confirmed before anything is asked (002 §7.3.1)."""

    texts: Texts
    fills: tuple[str, ...] = ("notice_agreed",)
    not_understood: str = "intake.invalid.notice"

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "notice")

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        if AGREE.match(turn.text) or turn.intent == "affirm":
            slots["notice_agreed"] = True
            return Advance()
        return None


@dataclass(frozen=True, slots=True)
class ReadStep:
    """A personal value read by a reader of bot/applications/domain/answers.py."""

    texts: Texts
    name: str
    reader: Callable[[str], str | Refusal]
    check: Callable[[str, dict[str, Any]], str | None] | None = None  # a further refusal reason
    not_understood: str = "intake.invalid.generic"

    @property
    def fills(self) -> tuple[str, ...]:
        return (self.name,)

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, self.name)

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        value = self.reader(turn.text)
        if isinstance(value, Refusal):
            return Refuse(f"intake.invalid.{value.reason}")
        if self.check is not None:
            reason = self.check(value, slots)
            if reason is not None:
                return Refuse(f"intake.invalid.{reason}")
        slots[self.name] = value
        return Advance()


def name_step(texts: Texts) -> ReadStep:
    return ReadStep(texts, "name", read_name)


def id_number_step(texts: Texts, today: Callable[[], date]) -> ReadStep:
    def check(number: str, slots: dict[str, Any]) -> str | None:
        case = (slots.get("screening") or {}).get("case") or {}
        persons, flags = case.get("person_categories") or [], case.get("defendant_flags") or []
        return "id_age" if age_disagrees(number, today(), persons, flags) else None

    return ReadStep(texts, "id_number", lambda text: read_id_number(text, today()), check)


def phone_step(texts: Texts) -> ReadStep:
    return ReadStep(texts, "phone", read_mobile)


@dataclass(frozen=True, slots=True)
class DistrictStep:
    """A district of the city, by number or by name (昆都仑区, 昆区, 土右旗)."""

    texts: Texts
    districts: tuple[str, ...]
    name: str = "district"
    not_understood: str = "intake.invalid.district"

    @property
    def fills(self) -> tuple[str, ...]:
        return (self.name,)

    def listing(self) -> str:
        return "\n".join(f"{i}. {d}" for i, d in enumerate(self.districts, start=1))

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, self.name, districts=self.listing(), district=slots.get("district", ""))

    def pick(self, turn: Turn) -> str | None:
        numbers = read_choice_numbers(turn.text, len(self.districts))
        if numbers and len(numbers) == 1:
            return self.districts[numbers[0] - 1]
        named = [
            str(v)
            for v in (turn.parse.entity_values("district") if turn.parse else [])
            if v in self.districts
        ]
        named += [d for d in self.districts if d in turn.text or d[:2] in turn.text]
        return named[0] if len(set(named)) == 1 else None

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        picked = self.pick(turn)
        if picked is None:
            return None
        slots[self.name] = picked
        return Advance()


@dataclass(frozen=True, slots=True)
class HandledInStep:
    """Where the case is or will be handled: here, another district, or another city (seed 003)."""

    district: DistrictStep
    texts: Texts
    fills: tuple[str, ...] = ("handled_in",)
    not_understood: str = "intake.invalid.handled_in"

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "handled_in", district=slots.get("district", ""))

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        if SAME_PLACE.match(turn.text):
            slots["handled_in"] = slots.get("district", "")
            return Advance()
        picked = self.district.pick(turn)
        text = turn.text.strip()
        if picked is None and (len(text) < 2 or UNKNOWN.search(text)):
            return None
        slots["handled_in"] = picked or text[:PARTY_MAX]
        return Advance()


@dataclass(frozen=True, slots=True)
class TextStep:
    """A few sentences in the citizen's words (the description, the opposing party)."""

    texts: Texts
    name: str
    shortest: int
    longest: int
    unknown_ok: bool = False
    not_understood: str = "intake.invalid.generic"

    @property
    def fills(self) -> tuple[str, ...]:
        return (self.name,)

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, self.name)

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        text = turn.text.strip()
        if self.unknown_ok and UNKNOWN.search(text):
            slots[self.name] = "不清楚"
            return Advance()
        if len(text) < self.shortest:
            return Refuse(f"intake.invalid.{self.name}_short")
        slots[self.name] = text[: self.longest]
        return Advance()


@dataclass(frozen=True, slots=True)
class EconomicStep:
    """Proof of economic hardship, or the integrity commitment instead (告知承诺, Law art. 41)."""

    texts: Texts
    fills: tuple[str, ...] = ("route", "commitment")
    not_understood: str = "intake.invalid.economic"

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "economic")

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        choice = read_choice_numbers(turn.text, 2)
        if choice == [1] or "证明" in turn.text:
            slots["route"] = "proof"
            return Advance()
        if choice == [2] or "承诺" in turn.text:
            slots["route"] = "commitment"
            return Advance()
        return None


@dataclass(frozen=True, slots=True)
class CommitmentStep:
    """The citizen reads the commitment and replies 我承诺; its version and the time are kept."""

    texts: Texts
    now: Callable[[], str]  # ISO time of the signature
    fills: tuple[str, ...] = ("commitment",)
    not_understood: str = "intake.invalid.commitment"

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "commitment", text=self.texts.say("intake.commitment.text"))

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        if PROMISE.match(turn.text):
            slots["commitment"] = {
                "version": self.texts.say("intake.commitment.version"),
                "signed_at": self.now(),
            }
            return Advance()
        if USE_PROOF.search(turn.text):
            slots["route"] = "proof"
            slots.pop("commitment", None)
            return Advance()
        return None


@dataclass(frozen=True, slots=True)
class DocumentStep:
    """Photos of one kind of material; 好了 when sent, 跳过 to send later (listed as missing)."""

    texts: Texts
    kind: str
    not_understood: str = "intake.invalid.documents"

    @property
    def fills(self) -> tuple[str, ...]:
        return (f"doc_{self.kind}",)

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "documents", kind=self.texts.say(f"application.kind.{self.kind}"))

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        sent = int(slots.get("photos", {}).get(self.kind, 0))
        if DONE.match(turn.text) and sent:
            slots[f"doc_{self.kind}"] = "sent"
            return Advance()
        if LATER.match(turn.text) or DONE.match(turn.text):
            slots[f"doc_{self.kind}"] = "later"
            return Advance()
        return None


@dataclass(frozen=True, slots=True)
class ReviewStep:
    """The numbered, masked summary; 提交 submits, 改N or 改电话 goes back to that answer."""

    texts: Texts
    summary: Callable[[dict[str, Any]], str]
    editable: Callable[[dict[str, Any]], list[tuple[str, str, str]]]  # (step, label, alias word)
    submit: Callable[[dict[str, Any]], Outcome]
    fills: tuple[str, ...] = ()
    not_understood: str = "intake.invalid.review"

    def question(self, slots: dict[str, Any]) -> str:
        return _ask(self.texts, "review", summary=self.summary(slots))

    def read(self, turn: Turn, slots: dict[str, Any]) -> Outcome | None:
        text = turn.text.strip()
        if re.match(r"^\s*(提交|确认提交|确认|没问题|对的|对|无误|确认无误)\s*[。.!！]?\s*$", text):
            return self.submit(slots)
        if not re.match(r"^\s*(改|修改|更改)", text):
            return None
        wanted = re.sub(r"^\s*(改|修改|更改)\s*(第)?", "", text).strip(" 项条。.")
        items = self.editable(slots)
        numbers = read_choice_numbers(wanted, len(items)) if wanted else None
        for position, (step, label, alias) in enumerate(items, start=1):
            if (numbers == [position]) or (wanted and (wanted in label or wanted == alias)):
                slots["editing"] = True
                return GoTo(step, again=True)
        return Refuse("intake.invalid.review_item")
