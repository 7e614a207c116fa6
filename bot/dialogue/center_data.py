"""Everything a center edits in data/, loaded and cross-checked together at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.dialogue.flows.interview_menus import InterviewMenus, load_interview_menus
from bot.dialogue.offices import OfficeDirectory, load_offices
from bot.dialogue.texts import Texts, load_texts
from bot.eligibility.rulebook import RuleBook, load_rulebook
from bot.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class CenterData:
    texts: Texts
    rulebook: RuleBook
    menus: InterviewMenus
    offices: OfficeDirectory


def load_center_data(data_dir: Path) -> CenterData:
    """Load texts, rules and interview menus; a code the menus use must exist in the rules."""
    texts = load_texts(data_dir)
    rulebook = load_rulebook(data_dir / "eligibility_rules.yml")
    menus = load_interview_menus(data_dir / "interview.yml")
    where = data_dir / "interview.yml"
    for matter in sorted(menus.matters()):
        if matter not in rulebook.matters:
            raise ConfigurationError(f"{where}: matter {matter!r} is not in eligibility_rules.yml")
    for choice in menus.persons.options:
        if choice.code and choice.code not in rulebook.persons:
            raise ConfigurationError(f"{where}: person {choice.code!r} is not in eligibility_rules.yml")
    for choice in menus.defendant_flags.options:
        if choice.code and choice.code not in rulebook.defendant_flags:
            raise ConfigurationError(
                f"{where}: defendant flag {choice.code!r} is not in eligibility_rules.yml"
            )
    offices = load_offices(data_dir / "offices.yml")
    for district in offices.offices:
        if district not in rulebook.district_names:
            raise ConfigurationError(
                f"{data_dir / 'offices.yml'}: {district!r} is not a district in eligibility_rules.yml"
            )
    return CenterData(texts=texts, rulebook=rulebook, menus=menus, offices=offices)
