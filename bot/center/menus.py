"""The interview's questions and choices, loaded from data/interview.yml (a center edits them)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from bot.center.data_files import read_data_file

_NUMBERS = re.compile(r"[0-9０-９]+")
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "零": 0,
}


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = ""
    menu: str | None = None
    matter: str | None = None
    code: str | None = None
    case_flags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


class Menu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    question: str
    options: tuple[Choice, ...]

    def render(self, footer: str = "") -> str:
        lines = [self.question, *(f"{i}. {c.label}" for i, c in enumerate(self.options, start=1))]
        return "\n".join([*lines, footer] if footer else lines)

    def pick_one(self, text: str) -> Choice | None:
        """A numbered answer ("2", "第二个") or a keyword; None when it is neither."""
        picked = self.pick_many(text)
        return picked[0] if picked and len(picked) == 1 else None

    def pick_many(self, text: str) -> list[Choice] | None:
        """Several numbers ("1 3", "1、3", "13") or keywords; [] for "0"/都不是; None if unreadable."""
        stripped = text.strip()
        if stripped in ("0", "０", "没有", "都没有", "都不是", "不是", "无", "没"):
            return []
        numbers = [int(n) for n in _NUMBERS.findall(stripped.translate(_FULL_WIDTH))]
        if len(numbers) == 1 and numbers[0] > len(self.options) and all(c != "0" for c in str(numbers[0])):
            numbers = [int(d) for d in str(numbers[0])]  # "13" typed without a separator
        if not numbers:
            numbers = [v for k, v in _CHINESE_DIGITS.items() if f"第{k}" in stripped or stripped == k]
        if numbers:
            if any(n < 1 or n > len(self.options) for n in numbers):
                return None
            return [self.options[n - 1] for n in dict.fromkeys(numbers)]
        matched = [c for c in self.options if any(k in stripped for k in c.keywords)]
        return matched or None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


class InterviewMenus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    from_intent: dict[str, Choice]
    areas: Menu
    menus: dict[str, Menu]
    defendant_flags: Menu
    persons: Menu

    @model_validator(mode="after")
    def _menus_exist(self) -> InterviewMenus:
        for choice in [*self.from_intent.values(), *self.areas.options]:
            if choice.menu and choice.menu not in self.menus:
                raise ValueError(f"unknown menu {choice.menu!r}")
            if not choice.menu and not choice.matter:
                raise ValueError(f"choice {choice.label!r} needs a menu or a matter")
        return self

    def matters(self) -> set[str]:
        choices = [*self.from_intent.values(), *self.areas.options]
        choices += [c for m in self.menus.values() for c in m.options]
        return {c.matter for c in choices if c.matter}


def load_interview_menus(path: Path) -> InterviewMenus:
    return read_data_file(path, InterviewMenus)
