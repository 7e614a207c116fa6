"""data/eligibility_rules.yml, read into a frozen RuleBook so a center changes rules without code.

The file is validated through pydantic models when the service starts; any mistake stops the start
with the file, the key path and what is wrong (style guide: "A bad file stops the start").
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.eligibility.rulebook import (
    CODE_PATTERN,
    Applicability,
    District,
    Flag,
    HardshipTest,
    HardshipTexts,
    Matter,
    PersonCategory,
    RuleBook,
    RuleBookError,
)

# --- the file's schema (pydantic: a boundary) ----------------------------------------------------


def _no_bool(value: object) -> object:
    """YAML `yes` / `true` would otherwise become 1 yuan."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


def _text(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty")
    return value


Money = Annotated[Decimal, BeforeValidator(_no_bool), Field(gt=0, allow_inf_nan=False)]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
Text = Annotated[str, BeforeValidator(_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _District(_Strict):
    name: Text
    min_monthly_wage: Money


class _Matter(_Strict):
    code: Code
    name: Text
    hardship: HardshipTest
    source: Text
    explanation: Text
    accepts_defendant_flags: bool = False


class _Applicability(_Strict):
    matter: Code
    case_flag: Code | None = None


class _Person(_Strict):
    code: Code
    name: Text
    source: Text
    applies_to: Any  # `all` or a list; checked in _person, where the messages can be precise


class _Flag(_Strict):
    code: Code
    name: Text
    source: Text


class _Threshold(_Strict):
    source: Text
    passed: Text
    failed: Text


class _Commitment(_Strict):
    source: Text
    signed: Text
    failed: Text
    missing: Text


class _FieldNames(_Strict):
    household_size: Text
    household_monthly_income: Text


class _Missing(_Strict):
    source: Text
    text: Text
    field_names: _FieldNames


class _Hardship(_Strict):
    threshold: _Threshold
    commitment: _Commitment
    missing: _Missing
    person_exempt: Text
    person_not_applicable: Text
    defendant: Text


class _RulesFile(_Strict):
    city: Text
    districts: list[_District] = Field(min_length=1)
    hardship_threshold: Money | None = None
    hardship: _Hardship
    matters: list[_Matter] = Field(min_length=1)
    persons: list[_Person] = Field(default_factory=list)
    case_flags: list[_Flag] = Field(default_factory=list)
    defendant_flags: list[_Flag] = Field(default_factory=list)


# Placeholders each sentence may use; anything else is a typo that would break at run time.
_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "hardship.threshold.passed": frozenset({"per_capita", "threshold"}),
    "hardship.threshold.failed": frozenset({"per_capita", "threshold"}),
    "hardship.commitment.signed": frozenset(),
    "hardship.commitment.failed": frozenset(),
    "hardship.commitment.missing": frozenset(),
    "hardship.missing.text": frozenset({"fields"}),
    "hardship.person_exempt": frozenset({"person"}),
    "hardship.person_not_applicable": frozenset({"person", "matters"}),
    "hardship.defendant": frozenset({"flag"}),
}


def load_rulebook(path: Path | str) -> RuleBook:
    """Read and check the rules file; any problem raises RuleBookError naming the key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleBookError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleBookError(path, "", f"cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise RuleBookError(path, "", f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RuleBookError(path, "", "must be a mapping of keys (city, districts, matters, ...)")
    try:
        parsed = _RulesFile.model_validate(raw)
    except ValidationError as exc:
        key, problem = _first_problem(exc)
        raise RuleBookError(path, key, problem) from None
    return _build(path, parsed)


def _build(path: Path, f: _RulesFile) -> RuleBook:
    _unique(path, "districts", [d.name for d in f.districts], "name")
    _unique(path, "matters", [m.code for m in f.matters], "code")
    _unique(path, "persons", [p.code for p in f.persons], "code")
    _unique(path, "case_flags", [c.code for c in f.case_flags], "code")
    _unique(path, "defendant_flags", [d.code for d in f.defendant_flags], "code")

    highest = max(d.min_monthly_wage for d in f.districts)
    if f.hardship_threshold is not None and f.hardship_threshold < highest:
        raise RuleBookError(
            path,
            "hardship_threshold",
            f"{f.hardship_threshold} is below the highest district minimum wage {highest}; "
            "seed 003 §二(九) requires a city-wide standard no lower than it",
        )
    threshold = highest if f.hardship_threshold is None else f.hardship_threshold

    matters = {
        m.code: Matter(m.code, m.name, m.hardship, m.source, m.explanation, m.accepts_defendant_flags)
        for m in f.matters
    }
    case_flags = {c.code: Flag(c.code, c.name, c.source) for c in f.case_flags}
    persons = {p.code: _person(path, i, p, matters, case_flags) for i, p in enumerate(f.persons)}
    if f.defendant_flags and not any(m.accepts_defendant_flags for m in matters.values()):
        raise RuleBookError(
            path,
            "defendant_flags",
            "no matter has `accepts_defendant_flags: true`, so no case could use them",
        )

    h = f.hardship
    for key, allowed in _PLACEHOLDERS.items():
        _check_placeholders(path, key, _lookup(h, key.removeprefix("hardship.")), allowed)
    texts = HardshipTexts(
        threshold_source=h.threshold.source,
        threshold_passed=h.threshold.passed,
        threshold_failed=h.threshold.failed,
        commitment_source=h.commitment.source,
        commitment_signed=h.commitment.signed,
        commitment_failed=h.commitment.failed,
        commitment_missing=h.commitment.missing,
        missing_source=h.missing.source,
        missing_text=h.missing.text,
        field_names=MappingProxyType(h.missing.field_names.model_dump()),
        person_exempt=h.person_exempt,
        person_not_applicable=h.person_not_applicable,
        defendant=h.defendant,
    )
    return RuleBook(
        city=f.city,
        districts=tuple(District(d.name, d.min_monthly_wage) for d in f.districts),
        threshold=threshold,
        matters=MappingProxyType(matters),
        persons=MappingProxyType(persons),
        case_flags=MappingProxyType(case_flags),
        defendant_flags=MappingProxyType({d.code: Flag(d.code, d.name, d.source) for d in f.defendant_flags}),
        texts=texts,
    )


def _person(
    path: Path, index: int, p: _Person, matters: Mapping[str, Matter], case_flags: Mapping[str, Flag]
) -> PersonCategory:
    if p.applies_to == "all":
        return PersonCategory(p.code, p.name, p.source, None)
    if not isinstance(p.applies_to, list) or not p.applies_to:
        raise RuleBookError(
            path, f"persons[{index}].applies_to", "must be `all` or a list of matter codes (at least one)"
        )
    found: list[Applicability] = []
    for j, entry in enumerate(p.applies_to):
        key = f"persons[{index}].applies_to[{j}]"
        item = _applicability(path, key, entry)
        if item.matter not in matters:
            raise RuleBookError(path, key, f"unknown matter {item.matter!r} (not in `matters`)")
        if item.case_flag is not None and item.case_flag not in case_flags:
            raise RuleBookError(path, key, f"unknown case flag {item.case_flag!r} (not in `case_flags`)")
        if item in found:
            raise RuleBookError(path, key, f"{item.matter!r} is listed twice")
        found.append(item)
    return PersonCategory(p.code, p.name, p.source, tuple(found))


def _applicability(path: Path, key: str, entry: object) -> Applicability:
    """A matter code, or {matter: CODE, case_flag: FLAG} for an exemption that needs a case flag."""
    if isinstance(entry, str):
        entry = {"matter": entry}
    if not isinstance(entry, dict):
        raise RuleBookError(path, key, "must be a matter code or {matter: CODE, case_flag: FLAG}")
    try:
        parsed = _Applicability.model_validate(entry)
    except ValidationError as exc:
        sub, problem = _first_problem(exc)
        raise RuleBookError(path, f"{key}.{sub}" if sub else key, problem) from None
    return Applicability(parsed.matter, parsed.case_flag)


def _unique(path: Path, section: str, values: list[str], field: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise RuleBookError(path, f"{section}[{i}].{field}", f"duplicate {field} {value!r}")
        seen.add(value)


def _lookup(model: BaseModel, dotted: str) -> str:
    value: Any = model
    for part in dotted.split("."):
        value = getattr(value, part)
    return str(value)


def _check_placeholders(path: Path, key: str, text: str, allowed: frozenset[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise RuleBookError(path, key, f"broken {{placeholder}}: {exc}") from None
    unknown = sorted(names - allowed)
    if unknown:
        hint = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
        raise RuleBookError(path, key, f"unknown placeholder {{{unknown[0]}}} (allowed: {hint})")


def _first_problem(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    key = ""
    for part in error["loc"]:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key, error["msg"]
