"""The interview's questions and choices, loaded from data/interview.yml (a center edits them)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from bot.center.data_files import read_data_file
from bot.nlu.numbered_choice import read_choice_numbers


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
        """Numbers as citizens type them ("1 3", "第二个", "13"), else the options' keywords;
        [] for "0"/都不是; None if unreadable."""
        numbers = read_choice_numbers(text, len(self.options))
        if numbers is not None:
            return [self.options[n - 1] for n in numbers]
        stripped = text.strip()
        matched = [c for c in self.options if any(k in stripped for k in c.keywords)]
        return matched or None


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
