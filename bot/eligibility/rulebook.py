"""The eligibility rules as the domain uses them: a frozen RuleBook of matters, persons, flags,
districts and the hardship threshold (bot/center/rules_file.py reads data/eligibility_rules.yml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from bot.errors import ConfigurationError

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class RuleBookError(ConfigurationError):
    """The rules file is missing or wrong; names the file, the key path and the problem."""

    code = "rulebook_error"

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.key = key
        self.problem = problem


class HardshipTest(StrEnum):
    """How a matter treats the economic-difficulty test (the `hardship:` key of a matter)."""

    REQUIRED = "required"
    NOT_REQUIRED = "not_required"
    STAFF = "staff"
    OUT_OF_SCOPE = "out_of_scope"


# --- value objects the domain uses -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class District:
    name: str
    min_monthly_wage: Decimal


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    hardship: HardshipTest
    source: str
    explanation: str
    accepts_defendant_flags: bool = False


@dataclass(frozen=True, slots=True)
class Applicability:
    """One matter a person category is exempt for, optionally only when the case has a flag."""

    matter: str
    case_flag: str | None = None


@dataclass(frozen=True, slots=True)
class PersonCategory:
    """A person exempt from the hardship test; `applies_to=None` means every hardship-tested matter."""

    code: str
    name: str
    source: str
    applies_to: tuple[Applicability, ...] | None = None

    def applies(self, matter: str, case_flags: Iterable[str]) -> bool:
        """Why a method: migrant workers are exempt only for some matters, some only with a case flag."""
        if self.applies_to is None:
            return True
        flags = set(case_flags)
        return any(
            a.matter == matter and (a.case_flag is None or a.case_flag in flags) for a in self.applies_to
        )


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    name: str
    source: str


@dataclass(frozen=True, slots=True)
class HardshipTexts:
    """Sources and plain-Chinese sentences of the hardship rules, kept in the file, not in code."""

    threshold_source: str
    threshold_passed: str
    threshold_failed: str
    commitment_source: str
    commitment_signed: str
    commitment_failed: str
    commitment_missing: str
    missing_source: str
    missing_text: str
    field_names: Mapping[str, str]
    person_exempt: str
    person_not_applicable: str
    defendant: str


@dataclass(frozen=True, slots=True)
class RuleBook:
    """Everything `screen` needs; built once at start and shared read-only."""

    city: str
    districts: tuple[District, ...]
    threshold: Decimal
    matters: Mapping[str, Matter]
    persons: Mapping[str, PersonCategory]
    case_flags: Mapping[str, Flag]
    defendant_flags: Mapping[str, Flag]
    texts: HardshipTexts

    @property
    def district_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.districts)

    def matter(self, code: str) -> Matter:
        return self.matters[code]

    def person(self, code: str) -> PersonCategory:
        return self.persons[code]

    def case_flag(self, code: str) -> Flag:
        return self.case_flags[code]

    def defendant_flag(self, code: str) -> Flag:
        return self.defendant_flags[code]

    def matter_name(self, code: str) -> str:
        return self.matters[code].name

    def person_name(self, code: str) -> str:
        return self.persons[code].name

    def case_flag_name(self, code: str) -> str:
        return self.case_flags[code].name

    def defendant_flag_name(self, code: str) -> str:
        return self.defendant_flags[code].name
