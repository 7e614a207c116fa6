"""Everything a center edits in data/, loaded and cross-checked together at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.center.calendar_files import load_service_calendar
from bot.center.intent_routes import IntentRoutes, load_intent_routes
from bot.center.menus import InterviewMenus, load_interview_menus
from bot.center.offices import OfficeDirectory, load_offices
from bot.center.rules_file import load_rulebook
from bot.center.specialties import SpecialtyRouting, load_specialties
from bot.center.texts import Texts, load_texts
from bot.eligibility.rulebook import RuleBook
from bot.errors import ConfigurationError
from bot.workdays.service_calendar import Counting, ServiceCalendar


@dataclass(frozen=True, slots=True)
class Center:
    """The center's texts, rules, interview menus, offices, queues and service calendar."""

    texts: Texts
    rulebook: RuleBook
    menus: InterviewMenus
    offices: OfficeDirectory
    specialties: SpecialtyRouting
    service: ServiceCalendar
    intents: IntentRoutes


def load_center(data_dir: Path, counting: Counting = "calendar") -> Center:
    """Load every data file; a code the menus use must exist in the rules."""
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
    intents = load_intent_routes(data_dir / "dialogue.yml")
    for intent, route in intents.by_intent.items():
        if route in ("guidance", "answer") and not texts.has(
            f"consult.{intent}" if route == "guidance" else f"intent.{intent}"
        ):
            raise ConfigurationError(
                f"{data_dir / 'dialogue.yml'}: intents.{intent}: no text for it in texts.yml"
            )
    offices = load_offices(data_dir / "offices.yml")
    for district in offices.offices:
        if district not in rulebook.district_names:
            raise ConfigurationError(
                f"{data_dir / 'offices.yml'}: {district!r} is not a district in eligibility_rules.yml"
            )
    specialties = load_specialties(data_dir / "specialties.yml")
    for matter in sorted(specialties.by_matter):
        if matter not in rulebook.matters:
            raise ConfigurationError(
                f"{data_dir / 'specialties.yml'}: matter {matter!r} is not in eligibility_rules.yml"
            )
    return Center(
        texts=texts,
        rulebook=rulebook,
        menus=menus,
        offices=offices,
        specialties=specialties,
        service=load_service_calendar(data_dir, counting),
        intents=intents,
    )
