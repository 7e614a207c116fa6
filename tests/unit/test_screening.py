"""Eligibility screening against the tables of shared/spec/eligibility.md (not against the YAML).

The tables below are copied from the spec, so a wrong row in data/eligibility_rules.yml fails here.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.center.rules_file import load_rulebook
from bot.eligibility import (
    InvalidScreeningCase,
    RuleBook,
    RuleBookError,
    ScreeningCase,
    UnknownDistrict,
    UnknownMatter,
    parse_case,
    screen,
)
from bot.errors import ConfigurationError, LegalAidError
from bot.settings import REPO_ROOT

RULES_FILE = REPO_ROOT / "data" / "eligibility_rules.yml"

# spec "Matters": code -> (hardship test, source)
MATTERS = {
    "state_compensation": ("required", "002 §4.1 a; Law art. 31(1)"),
    "retrial_acquittal_compensation": ("not_required", "Law art. 32(3)"),
    "social_insurance": ("required", "002 §4.1 b; Law art. 31(2)"),
    "social_assistance": ("required", "002 §4.1 b; Law art. 31(2)"),
    "pension_relief": ("required", "002 §4.1 c; Law art. 31(3)"),
    "maintenance": ("required", "002 §4.1 d; Law art. 31(4)"),
    "labor_remuneration": ("required", "Law art. 31(5)"),
    "capacity_determination": ("required", "Law art. 31(6)"),
    "personal_injury": ("required", "002 §4.1 e; Law art. 31(7)"),
    "environmental_damage": ("required", "Law art. 31(8)"),
    "abuse_guardianship": ("not_required", "002 §4.1 f; Law art. 32(4)"),
    "divorce_abuse_victim": ("not_required", "002 §4.1 g; Law art. 32(4)"),
    "divorce_bigamy_cohabitation": ("required", "002 §4.1 g"),
    "hero_martyr_rights": ("not_required", "Law art. 32(1)"),
    "good_samaritan": ("not_required", "Law art. 32(2)"),
    "criminal_suspect_defense": ("required", "002 §4.1 h; Law arts. 24, 25"),
    "criminal_victim": ("required", "002 §4.1 i; Law art. 29"),
    "private_prosecution": ("required", "002 §4.1 j; Law art. 29"),
    "other_prescribed": ("staff", "002 §4.1 k; Law art. 31(9)"),
    "outside_scope": ("none", "not a legal-aid matter"),
}
TESTED = [code for code, (test, _) in MATTERS.items() if test == "required"]
NOT_TESTED = [code for code, (test, _) in MATTERS.items() if test == "not_required"]

# spec "Persons exempt from the income test": code -> source
PERSONS = {
    "rural_five_guarantees": "002 §4.2 a",
    "welfare_institution_resident": "002 §4.2 b",
    "disabled_no_fixed_income": "002 §4.2 c; Law art. 42(1)",
    "minimum_living_allowance": "002 §4.2 d; Law art. 42(2)",
    "union_hardship_card": "002 §4.2 e",
    "pension_dependent": "002 §4.2 f; Law art. 42(2)",
    "minor_or_elderly_no_fixed_income": "Law art. 42(1)",
    "social_or_judicial_assistance": "Law art. 42(2)",
    "migrant_worker": "Law art. 42(3)",
}
GENERAL_PERSONS = [code for code in PERSONS if code != "migrant_worker"]

# spec input: defendant_flags (Law art. 25, items 1-6 in order)
DEFENDANT_FLAGS = [
    "minor",
    "visual_hearing_speech_disability",
    "not_fully_capable_adult",
    "possible_life_or_death_sentence",
    "death_penalty_review",
    "trial_in_absentia",
]

DISTRICTS = {
    "昆都仑区": 2270,
    "青山区": 2270,
    "东河区": 2270,
    "九原区": 2270,
    "石拐区": 2200,
    "白云鄂博矿区": 2200,
    "土默特右旗": 2200,
    "固阳县": 2120,
    "达尔罕茂明安联合旗": 2120,
}


@pytest.fixture(scope="module")
def rulebook() -> RuleBook:
    return load_rulebook(RULES_FILE)


def case(matter: str = "maintenance", **kw: Any) -> ScreeningCase:
    if isinstance(kw.get("household_monthly_income"), int | str):
        kw["household_monthly_income"] = Decimal(str(kw["household_monthly_income"]))
    for name in ("person_categories", "case_flags", "defendant_flags"):
        if name in kw:
            kw[name] = tuple(kw[name])
    return ScreeningCase(matter, **kw)


def rules(decision_json: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision_json["reasons"]]


def outcome(rb: RuleBook, c: ScreeningCase) -> tuple[str, str, str, list[str]]:
    d = screen(c, rb).to_json()
    return d["decision"], d["hardship"], d["route"], d["missing"]


# --- the rules file matches the spec ------------------------------------------------------------


def test_the_file_has_exactly_the_spec_matters_persons_and_flags(rulebook: RuleBook) -> None:
    assert set(rulebook.matters) == set(MATTERS)
    assert set(rulebook.persons) == set(PERSONS)
    assert list(rulebook.defendant_flags) == DEFENDANT_FLAGS
    assert list(rulebook.case_flags) == ["work_injury"]


def test_demo_city_districts_and_threshold(rulebook: RuleBook) -> None:
    assert rulebook.city == "包头市"
    assert {d.name: d.min_monthly_wage for d in rulebook.districts} == {
        k: Decimal(v) for k, v in DISTRICTS.items()
    }
    assert rulebook.district_names == tuple(DISTRICTS)
    assert rulebook.threshold == Decimal(2270)


def test_chinese_names_for_the_dialogue(rulebook: RuleBook) -> None:
    assert rulebook.matter_name("maintenance") == "请求给付赡养费、抚养费、扶养费"
    assert rulebook.person_name("migrant_worker") == "进城务工人员"
    assert rulebook.case_flag_name("work_injury")
    assert rulebook.defendant_flag_name("minor") == "未成年人"


# --- matter table ---------------------------------------------------------------------------


def test_spec_example(rulebook: RuleBook) -> None:
    payload = {
        "matter": "labor_remuneration",
        "person_categories": ["minimum_living_allowance"],
        "household_size": 3,
        "household_monthly_income": 4200,
        "district": "昆都仑区",
        "commitment_signed": False,
        "case_flags": [],
        "defendant_flags": [],
    }
    d = screen(parse_case(payload, rulebook), rulebook).to_json()
    assert list(d) == ["decision", "hardship", "route", "reasons", "missing"]
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == ("eligible", "exempt", "apply", [])
    assert [(r["rule"], r["source"]) for r in d["reasons"]] == [
        ("matter.labor_remuneration", "Law art. 31(5)"),
        ("person.minimum_living_allowance", "002 §4.2 d; Law art. 42(2)"),
    ]
    assert all(set(r) == {"rule", "source", "text"} and r["text"] for r in d["reasons"])


@pytest.mark.parametrize(("matter", "row"), MATTERS.items())
def test_every_matter_row_cites_its_source(rulebook: RuleBook, matter: str, row: tuple[str, str]) -> None:
    d = screen(case(matter), rulebook).to_json()
    assert d["reasons"][0] == {
        "rule": f"matter.{matter}",
        "source": row[1],
        "text": rulebook.matter(matter).explanation,
    }


@pytest.mark.parametrize("matter", TESTED)
def test_hardship_tested_matter_without_figures_needs_more_info(rulebook: RuleBook, matter: str) -> None:
    d = screen(case(matter), rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"]) == ("needs_more_info", "unknown", "apply")
    assert d["missing"] == ["household_size", "household_monthly_income"]
    assert rules(d) == [f"matter.{matter}", "hardship.missing"]


@pytest.mark.parametrize("matter", TESTED)
def test_hardship_tested_matter_passes_and_fails_on_income(rulebook: RuleBook, matter: str) -> None:
    assert outcome(rulebook, case(matter, household_size=2, household_monthly_income=4000)) == (
        "eligible",
        "passed",
        "apply",
        [],
    )
    assert outcome(rulebook, case(matter, household_size=2, household_monthly_income=5000)) == (
        "ineligible",
        "failed",
        "legal_advice",
        [],
    )


@pytest.mark.parametrize("matter", NOT_TESTED)
def test_matter_without_hardship_test_is_eligible_whatever_the_income(
    rulebook: RuleBook, matter: str
) -> None:
    rich = case(matter, household_size=1, household_monthly_income=1_000_000)
    d = screen(rich, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
        "eligible",
        "not_required",
        "apply",
        [],
    )
    assert rules(d) == [f"matter.{matter}"]
    assert outcome(rulebook, case(matter)) == ("eligible", "not_required", "apply", [])


def test_outside_scope_is_advice_whatever_else(rulebook: RuleBook) -> None:
    poor = case("outside_scope", person_categories=["minimum_living_allowance"], household_size=3,
                household_monthly_income=0, commitment_signed=True)  # fmt: skip
    d = screen(poor, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
        "ineligible",
        "not_required",
        "legal_advice",
        [],
    )
    assert rules(d) == ["matter.outside_scope"]


def test_other_prescribed_goes_to_staff(rulebook: RuleBook) -> None:
    for c in (
        case("other_prescribed"),
        case("other_prescribed", household_size=1, household_monthly_income=10),
    ):
        d = screen(c, rulebook).to_json()
        assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
            "needs_review",
            "unknown",
            "staff_review",
            [],
        )
        assert rules(d) == ["matter.other_prescribed"]


# --- person table -----------------------------------------------------------------------------


@pytest.mark.parametrize(("person", "source"), [(p, PERSONS[p]) for p in GENERAL_PERSONS])
@pytest.mark.parametrize("matter", TESTED)
def test_every_general_person_is_exempt_on_every_tested_matter(
    rulebook: RuleBook, person: str, source: str, matter: str
) -> None:
    c = case(matter, person_categories=[person], household_size=1, household_monthly_income=99999)
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == ("eligible", "exempt", "apply", [])
    assert d["reasons"][1]["rule"] == f"person.{person}"
    assert d["reasons"][1]["source"] == source
    assert rulebook.person_name(person) in d["reasons"][1]["text"]


def test_migrant_worker_for_unpaid_wages(rulebook: RuleBook) -> None:
    d = screen(case("labor_remuneration", person_categories=["migrant_worker"]), rulebook).to_json()
    assert (d["decision"], d["hardship"]) == ("eligible", "exempt")
    assert d["reasons"][1]["source"] == PERSONS["migrant_worker"]


def test_migrant_worker_with_a_work_injury(rulebook: RuleBook) -> None:
    c = case("personal_injury", person_categories=["migrant_worker"], case_flags=["work_injury"])
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"]) == ("eligible", "exempt", "apply")
    assert rules(d) == ["matter.personal_injury", "person.migrant_worker"]


def test_migrant_worker_injured_outside_work_takes_the_hardship_test(rulebook: RuleBook) -> None:
    c = case("personal_injury", person_categories=["migrant_worker"])
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"]) == ("needs_more_info", "unknown")
    assert rules(d) == ["matter.personal_injury", "person.migrant_worker.not_applicable", "hardship.missing"]
    rich = case("personal_injury", person_categories=["migrant_worker"], household_size=1,
                household_monthly_income=5000)  # fmt: skip
    assert outcome(rulebook, rich)[:2] == ("ineligible", "failed")


@pytest.mark.parametrize("matter", [m for m in TESTED if m != "labor_remuneration"])
def test_migrant_worker_is_not_exempt_on_other_matters(rulebook: RuleBook, matter: str) -> None:
    flags = ["work_injury"] if matter != "personal_injury" else []
    c = case(matter, person_categories=["migrant_worker"], case_flags=flags, household_size=1,
             household_monthly_income=2271)  # fmt: skip
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"]) == ("ineligible", "failed", "legal_advice")
    assert "person.migrant_worker" not in rules(d)
    assert "person.migrant_worker.not_applicable" in rules(d)


def test_an_inapplicable_category_does_not_hide_an_applicable_one(rulebook: RuleBook) -> None:
    c = case("maintenance", person_categories=["migrant_worker", "union_hardship_card"])
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"]) == ("eligible", "exempt")
    assert rules(d) == ["matter.maintenance", "person.union_hardship_card"]


def test_several_exempt_categories_are_all_named(rulebook: RuleBook) -> None:
    c = case(
        "maintenance", person_categories=["pension_dependent", "rural_five_guarantees", "pension_dependent"]
    )
    assert rules(screen(c, rulebook).to_json()) == [
        "matter.maintenance",
        "person.pension_dependent",
        "person.rural_five_guarantees",
    ]


@pytest.mark.parametrize("matter", NOT_TESTED)
def test_person_on_a_matter_without_test_changes_nothing(rulebook: RuleBook, matter: str) -> None:
    d = screen(case(matter, person_categories=["minimum_living_allowance"]), rulebook).to_json()
    assert (d["decision"], d["hardship"]) == ("eligible", "not_required")


# --- criminal defence: Law art. 25 ------------------------------------------------------------


@pytest.mark.parametrize(("number", "flag"), list(enumerate(DEFENDANT_FLAGS, start=1)))
def test_every_defendant_flag_means_notified_assignment(rulebook: RuleBook, number: int, flag: str) -> None:
    c = case("criminal_suspect_defense", defendant_flags=[flag], household_size=1,
             household_monthly_income=100000)  # fmt: skip
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
        "eligible",
        "not_required",
        "notify_assignment",
        [],
    )
    assert d["reasons"][1] == {
        "rule": f"defendant.{flag}",
        "source": f"Law art. 25({number})",
        "text": d["reasons"][1]["text"],
    }
    assert rulebook.defendant_flag_name(flag) in d["reasons"][1]["text"]


def test_several_defendant_flags_are_all_named(rulebook: RuleBook) -> None:
    d = screen(case("criminal_suspect_defense", defendant_flags=["minor", "trial_in_absentia"]), rulebook)
    assert rules(d.to_json()) == [
        "matter.criminal_suspect_defense",
        "defendant.minor",
        "defendant.trial_in_absentia",
    ]


def test_suspect_without_flags_takes_the_hardship_test(rulebook: RuleBook) -> None:
    assert outcome(rulebook, case("criminal_suspect_defense"))[:2] == ("needs_more_info", "unknown")
    poor = case("criminal_suspect_defense", household_size=1, household_monthly_income=2270)
    assert outcome(rulebook, poor) == ("eligible", "passed", "apply", [])
    exempt = case("criminal_suspect_defense", person_categories=["minimum_living_allowance"])
    assert outcome(rulebook, exempt) == ("eligible", "exempt", "apply", [])


# --- threshold and income ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "income", "hardship"),
    [
        (3, "6810", "passed"),  # 2270.00 exactly: equal passes
        (3, "6810.00", "passed"),
        (3, "6809.99", "passed"),
        (3, "6810.01", "failed"),  # 2270.0033..: compared unrounded
        (3, "6810.03", "failed"),  # 2270.01
        (1, "2270", "passed"),
        (1, "2270.01", "failed"),
        (1, "0", "passed"),
        (7, "15890", "passed"),
        (7, "15890.000001", "failed"),
    ],
)
def test_per_capita_against_the_threshold(rulebook: RuleBook, size: int, income: str, hardship: str) -> None:
    d = screen(case(household_size=size, household_monthly_income=Decimal(income)), rulebook).to_json()
    assert d["hardship"] == hardship
    assert d["decision"] == ("eligible" if hardship == "passed" else "ineligible")
    assert d["route"] == ("apply" if hardship == "passed" else "legal_advice")
    assert rules(d) == ["matter.maintenance", "hardship.threshold"]
    assert d["reasons"][1]["source"] == "003 §二(九); Law art. 34"
    assert "2270" in d["reasons"][1]["text"]


def test_lower_district_wage_does_not_lower_the_standard(rulebook: RuleBook) -> None:
    c = case(household_size=1, household_monthly_income=2200, district="固阳县")
    assert outcome(rulebook, c)[:2] == ("eligible", "passed")
    c = case(household_size=1, household_monthly_income=2250, district="达尔罕茂明安联合旗")
    assert outcome(rulebook, c)[:2] == ("eligible", "passed")


@pytest.mark.parametrize(
    ("size", "income", "missing"),
    [
        (None, None, ["household_size", "household_monthly_income"]),
        (3, None, ["household_monthly_income"]),
        (None, 1000, ["household_size"]),
    ],
)
def test_missing_figures_are_named(
    rulebook: RuleBook, size: int | None, income: int | None, missing: list[str]
) -> None:
    d = screen(case(household_size=size, household_monthly_income=income), rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
        "needs_more_info",
        "unknown",
        "apply",
        missing,
    )
    assert d["reasons"][-1]["rule"] == "hardship.missing"


# --- the integrity commitment -----------------------------------------------------------------


def test_commitment_with_figures_below_threshold(rulebook: RuleBook) -> None:
    d = screen(
        case(household_size=3, household_monthly_income=6810, commitment_signed=True), rulebook
    ).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == ("eligible", "commitment", "apply", [])
    assert rules(d) == ["matter.maintenance", "hardship.threshold", "hardship.commitment"]
    assert d["reasons"][2]["source"] == "Law art. 41; 003 §二(三)"


def test_commitment_without_figures_still_needs_them(rulebook: RuleBook) -> None:
    d = screen(case(household_size=3, commitment_signed=True), rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"], d["missing"]) == (
        "needs_more_info",
        "unknown",
        "apply",
        ["household_monthly_income"],
    )


def test_commitment_above_threshold_still_fails(rulebook: RuleBook) -> None:
    c = case(household_size=3, household_monthly_income="6810.03", commitment_signed=True)
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"]) == ("ineligible", "failed", "legal_advice")


def test_exempt_person_stays_exempt_with_commitment(rulebook: RuleBook) -> None:
    c = case(person_categories=["minimum_living_allowance"], household_size=1, household_monthly_income=9000,
             commitment_signed=True)  # fmt: skip
    d = screen(c, rulebook).to_json()
    assert (d["decision"], d["hardship"], d["route"]) == ("eligible", "exempt", "apply")
    assert rules(d) == ["matter.maintenance", "person.minimum_living_allowance"]


# --- a modified rulebook ----------------------------------------------------------------------


def rules_yaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "eligibility_rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_explicit_higher_threshold_is_used(tmp_path: Path) -> None:
    data = rules_yaml()
    data["hardship_threshold"] = "2500.50"
    rb = load_rulebook(write(tmp_path, data))
    assert rb.threshold == Decimal("2500.50")
    assert outcome(rb, case(household_size=2, household_monthly_income="5001.00"))[:2] == (
        "eligible",
        "passed",
    )
    assert outcome(rb, case(household_size=2, household_monthly_income="5001.01"))[:2] == (
        "ineligible",
        "failed",
    )


def test_explicit_threshold_equal_to_the_highest_wage_is_fine(tmp_path: Path) -> None:
    data = rules_yaml()
    data["hardship_threshold"] = 2270
    assert load_rulebook(write(tmp_path, data)).threshold == Decimal(2270)


def test_raising_a_district_wage_raises_the_city_standard(tmp_path: Path) -> None:
    data = rules_yaml()
    data["districts"][7]["min_monthly_wage"] = 2400  # 固阳县
    rb = load_rulebook(write(tmp_path, data))
    assert rb.threshold == Decimal(2400)
    assert (
        outcome(rb, case(household_size=1, household_monthly_income=2400, district="昆都仑区"))[1] == "passed"
    )


def test_a_center_adds_a_matter_without_code(tmp_path: Path) -> None:
    data = rules_yaml()
    data["matters"].append(
        {
            "code": "consumer_fraud",
            "name": "消费欺诈",
            "hardship": "not_required",
            "source": "local rule 1",
            "explanation": "本市规定消费欺诈案件不审查经济困难状况。",
        }
    )
    rb = load_rulebook(write(tmp_path, data))
    d = screen(case("consumer_fraud"), rb).to_json()
    assert (d["decision"], d["hardship"]) == ("eligible", "not_required")
    assert d["reasons"][0]["source"] == "local rule 1"


def _set(path: str, value: Any) -> Any:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = data
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _append(path: str, value: Any) -> Any:
    def apply(data: dict[str, Any]) -> None:
        node: Any = data
        for p in path.split("/"):
            node = node[int(p)] if isinstance(node, list) else node[p]
        node.append(copy.deepcopy(value) if not isinstance(value, str) else value)

    return apply


BROKEN = [
    ("unknown matter in applies_to", _append("persons/8/applies_to", "labour_pay"),
     "persons[8].applies_to[2]", "unknown matter 'labour_pay'"),
    ("unknown case flag in applies_to", _append("persons/8/applies_to", {"matter": "maintenance", "case_flag": "x"}),
     "persons[8].applies_to[2]", "unknown case flag 'x'"),
    ("typo in an applies_to key", _append("persons/8/applies_to", {"matter": "maintenance", "flag": "work_injury"}),
     "persons[8].applies_to[2].flag", "Extra inputs are not permitted"),
    ("applies_to neither all nor a list", _set("persons/0/applies_to", "everyone"),
     "persons[0].applies_to", "must be `all` or a list"),
    ("empty applies_to", _set("persons/8/applies_to", []), "persons[8].applies_to", "at least one"),
    ("duplicate matter code", _set("matters/1/code", "state_compensation"), "matters[1].code",
     "duplicate code 'state_compensation'"),
    ("duplicate person code", _set("persons/1/code", "rural_five_guarantees"), "persons[1].code", "duplicate code"),
    ("duplicate district", _set("districts/1/name", "昆都仑区"), "districts[1].name", "duplicate name '昆都仑区'"),
    ("duplicate defendant flag", _set("defendant_flags/1/code", "minor"), "defendant_flags[1].code", "duplicate"),
    ("negative wage", _set("districts/2/min_monthly_wage", -2270), "districts[2].min_monthly_wage",
     "greater than 0"),
    ("zero wage", _set("districts/2/min_monthly_wage", 0), "districts[2].min_monthly_wage", "greater than 0"),
    ("wage as yes/no", _set("districts/2/min_monthly_wage", True), "districts[2].min_monthly_wage", "true/false"),
    ("wage not a number", _set("districts/2/min_monthly_wage", "两千"), "districts[2].min_monthly_wage", "decimal"),
    ("threshold below the highest wage", _set("hardship_threshold", 2200), "hardship_threshold",
     "below the highest district minimum wage 2270"),
    ("unknown hardship kind", _set("matters/3/hardship", "maybe"), "matters[3].hardship", "'required'"),
    ("bad code", _set("matters/3/code", "Social Insurance"), "matters[3].code", "pattern"),
    ("empty explanation", _set("matters/3/explanation", " "), "matters[3].explanation", "must not be empty"),
    ("missing city", lambda d: d.pop("city"), "city", "Field required"),
    ("no districts", _set("districts", []), "districts", "at least 1"),
    ("unknown top-level key", _set("threshhold", 3000), "threshhold", "Extra inputs are not permitted"),
    ("unknown placeholder", _set("hardship/person_exempt", "您属于{persn}"), "hardship.person_exempt",
     "unknown placeholder {persn}"),
    ("defendant flags but no matter takes them", _set("matters/15/accepts_defendant_flags", False),
     "defendant_flags", "accepts_defendant_flags"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "mutate", "key", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_rules_file_is_refused_naming_file_key_and_problem(
    tmp_path: Path, label: str, mutate: Any, key: str, problem: str
) -> None:
    data = rules_yaml()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(path)
    err = caught.value
    assert isinstance(err, ConfigurationError)
    assert err.key == key
    assert problem in err.problem
    assert str(err).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "file not found"),
        ("city: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_unreadable_rules_file_is_refused(tmp_path: Path, content: str | None, problem: str) -> None:
    path = tmp_path / "rules.yml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleBookError, match=problem) as caught:
        load_rulebook(path)
    assert str(path) in str(caught.value)


# --- parse_case: invalid input names the field ------------------------------------------------


VALID = {"matter": "maintenance"}

INVALID = [
    ([], "body"),
    ("maintenance", "body"),
    (None, "body"),
    ({}, "matter"),
    ({"matter": None}, "matter"),
    ({"matter": 3}, "matter"),
    ({"matter": "divorce"}, "matter"),
    ({**VALID, "person_categories": ["poor"]}, "person_categories"),
    ({**VALID, "person_categories": "minimum_living_allowance"}, "person_categories"),
    ({**VALID, "person_categories": [1]}, "person_categories"),
    ({**VALID, "household_size": 0}, "household_size"),
    ({**VALID, "household_size": -1}, "household_size"),
    ({**VALID, "household_size": 2.5}, "household_size"),
    ({**VALID, "household_size": Decimal("2.5")}, "household_size"),
    ({**VALID, "household_size": "3"}, "household_size"),
    ({**VALID, "household_size": True}, "household_size"),
    ({**VALID, "household_monthly_income": -1}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": Decimal("-0.01")}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": "4200"}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": True}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": float("nan")}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": float("inf")}, "household_monthly_income"),
    ({**VALID, "household_monthly_income": [4200]}, "household_monthly_income"),
    ({**VALID, "district": "朝阳区"}, "district"),
    ({**VALID, "district": 1}, "district"),
    ({**VALID, "commitment_signed": "yes"}, "commitment_signed"),
    ({**VALID, "commitment_signed": 1}, "commitment_signed"),
    ({**VALID, "case_flags": ["work"]}, "case_flags"),
    ({**VALID, "case_flags": {"work_injury": True}}, "case_flags"),
    ({**VALID, "defendant_flags": ["minor"]}, "defendant_flags"),
    ({"matter": "criminal_suspect_defense", "defendant_flags": ["juvenile"]}, "defendant_flags"),
    ({"matter": "criminal_suspect_defense", "defendant_flags": "minor"}, "defendant_flags"),
    ({**VALID, "income": 3000}, "income"),
]


@pytest.mark.parametrize(("payload", "field"), INVALID, ids=[f"{i}-{f}" for i, (_, f) in enumerate(INVALID)])
def test_invalid_case_names_the_field(rulebook: RuleBook, payload: object, field: str) -> None:
    with pytest.raises(InvalidScreeningCase) as caught:
        parse_case(payload, rulebook)
    assert caught.value.field == field
    assert caught.value.message
    assert isinstance(caught.value, LegalAidError)
    assert caught.value.code in {"invalid_case", "unknown_matter", "unknown_district"}


def test_unknown_keys_are_all_named(rulebook: RuleBook) -> None:
    with pytest.raises(InvalidScreeningCase, match="income, size") as caught:
        parse_case({"matter": "maintenance", "income": 1, "size": 2}, rulebook)
    assert caught.value.field == "income"


def test_unknown_matter_and_district_have_their_own_errors(rulebook: RuleBook) -> None:
    with pytest.raises(UnknownMatter):
        parse_case({"matter": "divorce"}, rulebook)
    with pytest.raises(UnknownDistrict):
        parse_case({"matter": "maintenance", "district": "海淀区"}, rulebook)


def test_parse_case_reads_every_field(rulebook: RuleBook) -> None:
    c = parse_case(
        {
            "matter": "personal_injury",
            "person_categories": ["migrant_worker"],
            "household_size": 4,
            "household_monthly_income": 9080.5,
            "district": "固阳县",
            "commitment_signed": True,
            "case_flags": ["work_injury"],
            "defendant_flags": [],
        },
        rulebook,
    )
    assert c == ScreeningCase(
        "personal_injury", ("migrant_worker",), 4, Decimal("9080.5"), "固阳县", True, ("work_injury",), ()
    )


def test_nulls_mean_not_given(rulebook: RuleBook) -> None:
    payload = dict.fromkeys(
        ["person_categories", "household_size", "household_monthly_income", "district", "commitment_signed",
         "case_flags", "defendant_flags"]
    )  # fmt: skip
    assert parse_case({"matter": "maintenance", **payload}, rulebook) == ScreeningCase("maintenance")


def test_a_case_built_in_code_is_checked_too(rulebook: RuleBook) -> None:
    with pytest.raises(UnknownMatter):
        screen(ScreeningCase("nope"), rulebook)
    with pytest.raises(InvalidScreeningCase) as caught:
        screen(ScreeningCase("maintenance", defendant_flags=("minor",)), rulebook)
    assert caught.value.field == "defendant_flags"


# --- properties -------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
sizes = st.integers(min_value=1, max_value=20)
matters = st.sampled_from(list(MATTERS))
persons = st.lists(st.sampled_from(list(PERSONS)), max_size=3)
flags = st.lists(st.just("work_injury"), max_size=1)
GOOD = {"eligible": 3, "needs_review": 2, "needs_more_info": 1, "ineligible": 0}


@settings(max_examples=300, deadline=None)
@given(
    matter=matters, people=persons, case_flags=flags, size=sizes, low=money, extra=money, signed=st.booleans()
)
def test_more_income_never_makes_an_ineligible_case_eligible(
    rulebook: RuleBook, matter: str, people: list[str], case_flags: list[str], size: int, low: Decimal,
    extra: Decimal, signed: bool,
) -> None:  # fmt: skip
    base = dict(
        person_categories=people, case_flags=case_flags, household_size=size, commitment_signed=signed
    )
    poorer = screen(case(matter, household_monthly_income=low, **base), rulebook)
    richer = screen(case(matter, household_monthly_income=low + extra, **base), rulebook)
    if poorer.decision == "ineligible":
        assert richer.decision == "ineligible"
    assert GOOD[richer.decision] <= GOOD[poorer.decision]


@settings(max_examples=300, deadline=None)
@given(
    matter=matters,
    people=persons,
    case_flags=flags,
    size=st.none() | sizes,
    income=st.none() | money,
    signed=st.booleans(),
    added=st.sampled_from(list(PERSONS)),
)
def test_an_applicable_exempt_category_never_makes_a_case_worse(
    rulebook: RuleBook, matter: str, people: list[str], case_flags: list[str], size: int | None,
    income: Decimal | None, signed: bool, added: str,
) -> None:  # fmt: skip
    base = dict(
        case_flags=case_flags, household_size=size, household_monthly_income=income, commitment_signed=signed
    )
    before = screen(case(matter, person_categories=people, **base), rulebook)
    after = screen(case(matter, person_categories=[*people, added], **base), rulebook)
    assert GOOD[after.decision] >= GOOD[before.decision]
    if rulebook.person(added).applies(matter, case_flags) and MATTERS[matter][0] == "required":
        assert (after.decision, after.hardship) == ("eligible", "exempt")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
field_values = st.fixed_dictionaries(
    {"matter": st.sampled_from([*MATTERS, "nope"]) | json_values},
    optional={
        "person_categories": st.lists(st.sampled_from([*PERSONS, "nope"]), max_size=3) | json_values,
        "household_size": st.integers(min_value=-2, max_value=10**30) | json_values,
        "household_monthly_income": st.decimals() | st.floats() | st.integers() | json_values,
        "district": st.sampled_from([*DISTRICTS, "nope"]) | json_values,
        "commitment_signed": st.booleans() | json_values,
        "case_flags": st.lists(st.sampled_from(["work_injury", "nope"]), max_size=2) | json_values,
        "defendant_flags": st.lists(st.sampled_from([*DEFENDANT_FLAGS, "nope"]), max_size=2) | json_values,
    },
)


@settings(max_examples=500, deadline=None)
@given(payload=field_values | json_values)
def test_any_payload_is_a_decision_or_a_named_invalid_field(rulebook: RuleBook, payload: object) -> None:
    """The API's 'never a 500': only InvalidScreeningCase may escape, and it names a field."""
    try:
        decision = screen(parse_case(payload, rulebook), rulebook)
    except InvalidScreeningCase as exc:
        assert exc.field
        return
    d = decision.to_json()
    assert d["decision"] in GOOD
    assert d["reasons"] and d["reasons"][0]["rule"].startswith("matter.")
