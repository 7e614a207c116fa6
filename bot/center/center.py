"""Everything a center edits in data/, loaded and cross-checked together at start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from bot.center.answers import AnswerBook, load_answers
from bot.center.calendar_files import load_service_calendar
from bot.center.feedback import (
    ComplaintTerms,
    SatisfactionScale,
    load_complaint_terms,
    load_satisfaction_scale,
)
from bot.center.intent_routes import IntentRoutes, load_intent_routes
from bot.center.menus import InterviewMenus, load_interview_menus
from bot.center.offices import OfficeDirectory, load_offices
from bot.center.quality_rubric import QualityRubric, load_quality_rubric
from bot.center.rules_file import load_rulebook
from bot.center.specialties import SpecialtyRouting, load_specialties
from bot.center.texts import Texts, load_center_facts, load_texts
from bot.eligibility.rulebook import RuleBook
from bot.errors import ConfigurationError
from bot.workdays.service_calendar import ServiceCalendar
from bot.workdays.service_hours import ServiceHours

# A time range as people write it in the offices' hours: 9:00-12:00, 13:30～17:30, 13:30至17:30.
_CLOCK = r"([01]?[0-9]|2[0-3]):([0-5][0-9])"
_TIME_RANGE = re.compile(_CLOCK + r"\s*[-–—~～至到]\s*" + _CLOCK)


@dataclass(frozen=True, slots=True)
class Center:
    """The center's texts, answers by sub-topic, rules, interview menus, offices, queues and service
    calendar."""

    texts: Texts
    rulebook: RuleBook
    menus: InterviewMenus
    offices: OfficeDirectory
    specialties: SpecialtyRouting
    service: ServiceCalendar
    intents: IntentRoutes
    answers: AnswerBook
    quality: QualityRubric  # data/quality.yml: quality checks and the review rubric
    satisfaction: SatisfactionScale
    complaints: ComplaintTerms


def load_center(data_dir: Path) -> Center:
    """Load every data file; a code the menus use must exist in the rules."""
    offices = load_offices(data_dir / "offices.yml")
    service = load_service_calendar(data_dir)
    _check_office_hours(offices, service.hours, data_dir)
    texts = load_texts(data_dir, office_hours=offices.hours)
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
    if not texts.has("due.weekdays") or len(texts.say("due.weekdays")) != 7:
        raise ConfigurationError(
            f"{data_dir / 'texts.yml'}: due.weekdays: seven characters, Monday to Sunday (一二三四五六日)"
        )
    intents = load_intent_routes(data_dir / "dialogue.yml")
    for intent, route in intents.by_intent.items():
        if route in ("guidance", "answer") and not texts.has(
            f"consult.{intent}" if route == "guidance" else f"intent.{intent}"
        ):
            raise ConfigurationError(
                f"{data_dir / 'dialogue.yml'}: intents.{intent}: no text for it in texts.yml"
            )
    guided = {intent for intent, route in intents.by_intent.items() if route == "guidance"}
    answers = load_answers(data_dir / "answers", guided, load_center_facts(data_dir))
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
        service=service,
        intents=intents,
        answers=answers,
        quality=load_quality_rubric(data_dir / "quality.yml"),
        satisfaction=load_satisfaction_scale(data_dir / "satisfaction.yml"),
        complaints=load_complaint_terms(data_dir / "complaints.yml"),
    )


def _check_office_hours(offices: OfficeDirectory, hours: ServiceHours, data_dir: Path) -> None:
    """The hours citizens are told (offices.yml) must be the service hours (service_hours.yml, the
    source): otherwise a citizen is told 17:00 while a handoff at 17:10 still counts as online."""
    written = [
        (time(int(h1), int(m1)), time(int(h2), int(m2)))
        for h1, m1, h2, m2 in _TIME_RANGE.findall(offices.hours)
    ]
    if written and tuple(written) != hours.windows:
        told = ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in written)
        source = ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in hours.windows)
        raise ConfigurationError(
            f"{data_dir / 'offices.yml'}: hours: says {told}, but the windows in "
            f"{data_dir / 'service_hours.yml'} are {source}; write the same times in both"
        )
