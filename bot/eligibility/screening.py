"""Screening: who may get legal aid, decided from a ScreeningCase and the RuleBook, without I/O.

Every Decision names the rules it applied and their sources, so that staff can check and explain it
(spec eligibility.md, "Decision procedure" steps 1-6).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from bot.eligibility.rulebook import HardshipTest, RuleBook
from bot.errors import LegalAidError

DecisionCode = Literal["eligible", "ineligible", "needs_more_info", "needs_review"]
HardshipCode = Literal["not_required", "exempt", "passed", "failed", "commitment", "unknown"]
RouteCode = Literal["apply", "notify_assignment", "legal_advice", "staff_review"]

CASE_FIELDS = (
    "matter",
    "person_categories",
    "household_size",
    "household_monthly_income",
    "district",
    "commitment_signed",
    "case_flags",
    "defendant_flags",
)


class InvalidScreeningCase(LegalAidError):
    """The case cannot be screened as given; `field` names the input field at fault (a 422)."""

    code = "invalid_case"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownMatter(InvalidScreeningCase):
    """The matter code is not in the rules file."""

    code = "unknown_matter"


class UnknownDistrict(InvalidScreeningCase):
    """The district is not one of the city's configured districts."""

    code = "unknown_district"


@dataclass(frozen=True, slots=True)
class ScreeningCase:
    matter: str
    person_categories: tuple[str, ...] = ()
    household_size: int | None = None
    household_monthly_income: Decimal | None = None
    district: str | None = None
    commitment_signed: bool = False
    case_flags: tuple[str, ...] = ()
    defendant_flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule the decision applied: its id, where it comes from, and a plain-Chinese sentence."""

    rule: str
    source: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "source": self.source, "text": self.text}


@dataclass(frozen=True, slots=True)
class Decision:
    decision: DecisionCode
    hardship: HardshipCode
    route: RouteCode
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """Exactly the spec's output object, in the spec's key order."""
        return {
            "decision": self.decision,
            "hardship": self.hardship,
            "route": self.route,
            "reasons": [r.to_json() for r in self.reasons],
            "missing": list(self.missing),
        }


def screen(case: ScreeningCase, rulebook: RuleBook) -> Decision:
    """Decide eligibility by the spec's procedure; the first step that matches decides."""
    check_case(case, rulebook)
    texts = rulebook.texts
    matter = rulebook.matter(case.matter)
    reasons: list[Reason] = [Reason(f"matter.{matter.code}", matter.source, matter.explanation)]

    # Steps 1-2: outside the scope of legal aid, or for staff to decide.
    if matter.hardship is HardshipTest.OUT_OF_SCOPE:
        return Decision("ineligible", "not_required", "legal_advice", tuple(reasons))
    if matter.hardship is HardshipTest.STAFF:
        return Decision("needs_review", "unknown", "staff_review", tuple(reasons))

    # Step 3: Law art. 25, the case-handling organ must notify the agency.
    if case.defendant_flags:
        for code in _unique(case.defendant_flags):
            flag = rulebook.defendant_flag(code)
            reasons.append(Reason(f"defendant.{code}", flag.source, texts.defendant.format(flag=flag.name)))
        return Decision("eligible", "not_required", "notify_assignment", tuple(reasons))

    # Step 4: matters without the hardship test.
    if matter.hardship is HardshipTest.NOT_REQUIRED:
        return Decision("eligible", "not_required", "apply", tuple(reasons))

    # Step 5a: exempt persons, only where their exemption reaches this matter.
    exempt: list[Reason] = []
    ignored: list[Reason] = []
    for code in _unique(case.person_categories):
        person = rulebook.person(code)
        if person.applies(matter.code, case.case_flags):
            exempt.append(
                Reason(f"person.{code}", person.source, texts.person_exempt.format(person=person.name))
            )
        else:
            where = "、".join(_applicability_names(rulebook, code))
            text = texts.person_not_applicable.format(person=person.name, matters=where)
            ignored.append(Reason(f"person.{code}.not_applicable", person.source, text))
    if exempt:
        return Decision("eligible", "exempt", "apply", (*reasons, *exempt))
    reasons.extend(ignored)

    # Step 5c: without both figures the application collects the rest (a commitment does not replace them).
    missing = tuple(
        name
        for name, value in (
            ("household_size", case.household_size),
            ("household_monthly_income", case.household_monthly_income),
        )
        if value is None
    )
    if missing:
        fields = "、".join(texts.field_names[m] for m in missing)
        reasons.append(
            Reason("hardship.missing", texts.missing_source, texts.missing_text.format(fields=fields))
        )
        if case.commitment_signed:
            reasons.append(Reason("hardship.commitment", texts.commitment_source, texts.commitment_missing))
        return Decision("needs_more_info", "unknown", "apply", tuple(reasons), missing)

    # Step 5b and 6: one city-wide threshold, per-capita compared unrounded, equal passes.
    assert case.household_size is not None and case.household_monthly_income is not None
    passes = within_threshold(case.household_monthly_income, case.household_size, rulebook.threshold)
    shown = {
        "per_capita": _per_capita_for_display(case.household_monthly_income, case.household_size),
        "threshold": f"{rulebook.threshold:f}",
    }
    if passes:
        reasons.append(
            Reason("hardship.threshold", texts.threshold_source, texts.threshold_passed.format(**shown))
        )
        if case.commitment_signed:
            reasons.append(Reason("hardship.commitment", texts.commitment_source, texts.commitment_signed))
            return Decision("eligible", "commitment", "apply", tuple(reasons))
        return Decision("eligible", "passed", "apply", tuple(reasons))
    reasons.append(
        Reason("hardship.threshold", texts.threshold_source, texts.threshold_failed.format(**shown))
    )
    if case.commitment_signed:
        reasons.append(Reason("hardship.commitment", texts.commitment_source, texts.commitment_failed))
    return Decision("ineligible", "failed", "legal_advice", tuple(reasons))


def within_threshold(income: Decimal, household_size: int, threshold: Decimal) -> bool:
    """income / size <= threshold, decided exactly: cross-multiplied, so nothing is rounded."""
    if household_size < 1:
        raise ValueError("household_size must be at least 1")
    with decimal.localcontext() as ctx:
        ctx.prec = household_size.bit_length() // 3 + len(threshold.as_tuple().digits) + 2
        ctx.Emax = decimal.MAX_EMAX
        ctx.Emin = decimal.MIN_EMIN
        ctx.traps[decimal.Inexact] = True  # the product must be exact, or the comparison could lie
        return income <= threshold * household_size


def _per_capita_for_display(income: Decimal, household_size: int) -> str:
    """Rounded up to the fen, so a figure just above the threshold never shows as equal to it."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        ctx.Emax = decimal.MAX_EMAX
        ctx.Emin = decimal.MIN_EMIN
        value = income / household_size
        if value.adjusted() > 40:
            return f"{value:.6E}"
        return f"{value.quantize(Decimal('0.01'), rounding=decimal.ROUND_CEILING):f}"


def _applicability_names(rulebook: RuleBook, person_code: str) -> list[str]:
    person = rulebook.person(person_code)
    names: list[str] = []
    for a in person.applies_to or ():
        name = rulebook.matter_name(a.matter)
        if a.case_flag is not None:
            name += f"（{rulebook.case_flag_name(a.case_flag)}）"
        names.append(name)
    return names


def _unique(codes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def check_case(case: ScreeningCase, rulebook: RuleBook) -> None:
    """The checks a case built in code must also pass (the dialogue builds cases without JSON)."""
    if case.matter not in rulebook.matters:
        raise UnknownMatter(
            "matter", f"unknown matter {case.matter!r}; expected one of {_listing(rulebook.matters)}"
        )
    _check_codes("person_categories", case.person_categories, rulebook.persons, "person category")
    _check_codes("case_flags", case.case_flags, rulebook.case_flags, "case flag")
    _check_codes("defendant_flags", case.defendant_flags, rulebook.defendant_flags, "defendant flag")
    if case.defendant_flags and not rulebook.matter(case.matter).accepts_defendant_flags:
        accepting = [m.code for m in rulebook.matters.values() if m.accepts_defendant_flags]
        raise InvalidScreeningCase(
            "defendant_flags",
            f"only allowed with matter {' / '.join(accepting) or '(none)'}, not {case.matter!r}",
        )
    if case.household_size is not None and (
        isinstance(case.household_size, bool)
        or not isinstance(case.household_size, int)
        or case.household_size < 1
    ):
        raise InvalidScreeningCase("household_size", "must be a whole number, at least 1")
    income = case.household_monthly_income
    if income is not None and (not isinstance(income, Decimal) or not income.is_finite() or income < 0):
        raise InvalidScreeningCase("household_monthly_income", "must be a number of yuan, 0 or more")
    if case.district is not None and case.district not in rulebook.district_names:
        raise UnknownDistrict(
            "district",
            f"unknown district {case.district!r}; expected one of {'、'.join(rulebook.district_names)}",
        )


def _check_codes(name: str, codes: tuple[str, ...], known: Mapping[str, object], what: str) -> None:
    for i, code in enumerate(codes):
        if code not in known:
            raise InvalidScreeningCase(
                name, f"[{i}]: unknown {what} {code!r}; expected one of {_listing(known)}"
            )


def _listing(known: Mapping[str, object]) -> str:
    return ", ".join(known) or "(none configured)"


# --- JSON payload -> ScreeningCase ----------------------------------------------------------------


def parse_case(payload: object, rulebook: RuleBook) -> ScreeningCase:
    """Validate a decoded JSON body field by field; the first problem names its field."""
    if not isinstance(payload, dict):
        raise InvalidScreeningCase("body", "must be a JSON object with at least `matter`")
    unknown = [str(k) or '""' for k in payload if k not in CASE_FIELDS]
    if unknown:
        raise InvalidScreeningCase(
            unknown[0], f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(CASE_FIELDS)}"
        )
    matter = payload.get("matter")
    if matter is None:
        raise InvalidScreeningCase("matter", "required: one matter code")
    if not isinstance(matter, str):
        raise InvalidScreeningCase("matter", "must be a matter code (a string)")
    case = ScreeningCase(
        matter=matter,
        person_categories=_codes(payload, "person_categories"),
        household_size=_household_size(payload.get("household_size")),
        household_monthly_income=_income(payload.get("household_monthly_income")),
        district=_district(payload.get("district")),
        commitment_signed=_flag(payload.get("commitment_signed")),
        case_flags=_codes(payload, "case_flags"),
        defendant_flags=_codes(payload, "defendant_flags"),
    )
    check_case(case, rulebook)
    return case


def _codes(payload: dict[object, object], name: str) -> tuple[str, ...]:
    value = payload.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidScreeningCase(name, "must be a list of codes")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidScreeningCase(name, f"[{i}]: must be a code (a string)")
    return tuple(value)


def _household_size(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScreeningCase(
            "household_size", "must be a whole number (people in the household), at least 1"
        )
    if value < 1:
        raise InvalidScreeningCase("household_size", "must be at least 1")
    return value


def _income(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidScreeningCase("household_monthly_income", "must be a number of yuan per month")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise InvalidScreeningCase("household_monthly_income", "must be a finite number")
    if amount < 0:
        raise InvalidScreeningCase("household_monthly_income", "must be 0 or more")
    return amount


def _district(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidScreeningCase("district", "must be a district name (a string)")
    return value


def _flag(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidScreeningCase("commitment_signed", "must be true or false")
    return value
