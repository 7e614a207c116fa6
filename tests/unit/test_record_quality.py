"""The quality checks on plain values: what applies to which consultation, what passes, why, and the
score they weigh up to with data/quality.yml's weights; the review's rubric and the weekly draw."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from random import Random

import pytest

from bot.center.center import load_center
from bot.center.quality_rubric import CHECK_RESULTS, load_quality_rubric
from bot.errors import ConfigurationError, InvalidInput
from bot.records.domain.quality import CHECKS, ConsultationFacts, inspect, score
from bot.records.domain.weekly_sample import check_review, draw, iso_week, previous_week, week_days
from bot.records.quality import rules_of
from bot.settings import REPO_ROOT

RUBRIC = load_quality_rubric(REPO_ROOT / "data" / "quality.yml")
RULES = rules_of(RUBRIC)
# A WeChat consultation a consultant answered in time, recorded, asked for a rating, wrote cleanly.
GOOD = ConsultationFacts(
    channel="wechat",
    handled=True,
    breached=False,
    outcome="a",
    referral=None,
    identity_given=False,
    identity_refused=False,
    satisfaction_asked=True,
    staff_texts=(("reply", "您可以携带身份证到法律援助中心申请，咨询电话12348。"),),
)


def results(facts: ConsultationFacts) -> dict[str, tuple[bool, bool, str]]:
    return {c.check: (c.applies, c.passed, c.reason) for c in inspect(facts, RULES).checks}


def test_a_good_wechat_consultation_passes_what_applies_and_scores_100():
    found = inspect(GOOD, RULES)
    assert [c.check for c in found.checks] == list(CHECKS)
    assert results(GOOD) == {
        "answered_in_time": (True, True, "met"),
        "outcome_recorded": (True, True, "recorded"),
        "identity_recorded": (False, True, "wechat_account"),  # the account identifies the citizen
        "satisfaction_asked": (True, True, "asked"),
        "no_personal_data": (True, True, "clean"),  # 12348 is the center's own number
    }
    assert found.score == 100
    assert all(c.why for c in found.checks)


def test_a_breach_costs_its_weight_over_the_weights_that_apply():
    found = inspect(replace(GOOD, breached=True), RULES)
    assert results(replace(GOOD, breached=True))["answered_in_time"] == (True, False, "breached")
    # applicable: in time 30 + outcome 25 + satisfaction 10 + personal data 20 = 85; passed 55.
    assert found.score == round(55 / 85 * 100) == 65
    assert found.checks[0].why == RUBRIC.why["answered_in_time"]["breached"]


def test_outcome_c_needs_the_department_and_no_outcome_fails():
    assert results(replace(GOOD, outcome="c"))["outcome_recorded"] == (True, False, "no_referral")
    assert results(replace(GOOD, outcome="c", referral="  "))["outcome_recorded"] == (
        True,
        False,
        "no_referral",
    )
    assert results(replace(GOOD, outcome="c", referral="劳动监察大队"))["outcome_recorded"][1] is True
    assert results(replace(GOOD, outcome=None))["outcome_recorded"] == (True, False, "missing")
    assert results(replace(GOOD, outcome="x"))["outcome_recorded"] == (True, False, "missing")


def test_a_phone_consultation_needs_identity_or_the_refusal_and_is_not_asked_for_a_rating():
    phone = replace(GOOD, channel="phone", breached=None, satisfaction_asked=False, staff_texts=())
    assert results(phone) == {
        "answered_in_time": (False, True, "no_clock"),
        "outcome_recorded": (True, True, "recorded"),
        "identity_recorded": (True, False, "missing"),
        "satisfaction_asked": (False, True, "offline"),
        "no_personal_data": (False, True, "nothing_written"),
    }
    assert inspect(phone, RULES).score == 63  # 25 of 40: 62.5 rounds half up
    assert results(replace(phone, identity_refused=True))["identity_recorded"] == (True, True, "refused")
    walk_in = replace(phone, channel="walk_in", identity_given=True)
    assert results(walk_in)["identity_recorded"] == (True, True, "recorded")
    assert inspect(walk_in, RULES).score == 100


def test_a_bot_only_consultation_has_nothing_a_person_did_to_check():
    bot = ConsultationFacts("wechat", False, None, None, None, False, False, False)
    assert {name: r[0] for name, r in results(bot).items()} == dict.fromkeys(CHECKS, False)
    assert inspect(bot, RULES).score == 100


@pytest.mark.parametrize(
    ("place", "text"),
    [
        ("reply", "我记下了您的电话13812345678，稍后联系"),
        ("reply", "请确认手机 138-1234-5678"),
        ("note", "身份证110105194912310021已核对"),
        ("closing_note", "当事人电话０４７２－１２３４５６７"),
        ("summary", "来电人 +86 139 1234 5678 咨询工伤"),
    ],
)
def test_a_personal_number_in_what_the_consultant_wrote_fails_and_says_where(place: str, text: str):
    facts = replace(GOOD, staff_texts=(("reply", "您好"), (place, text)))
    found = {c.check: c for c in inspect(facts, RULES).checks}["no_personal_data"]
    assert (found.applies, found.passed, found.reason) == (True, False, "found")
    assert RUBRIC.places[place] in found.why
    assert "{places}" not in found.why
    assert text not in found.why and "1234" not in found.why  # the number itself is never repeated


@pytest.mark.parametrize(
    "text",
    ["请拨打12348咨询", "劳动仲裁委电话 12333", "工资共计13000元，欠了3个月", "案号（2026）内0203民初1234号"],
)
def test_amounts_dates_and_public_numbers_are_not_personal_data(text: str):
    facts = replace(GOOD, staff_texts=(("reply", text),))
    assert results(facts)["no_personal_data"] == (True, True, "clean")


def test_a_public_number_next_to_a_personal_one_does_not_hide_it():
    facts = replace(GOOD, staff_texts=(("reply", "12348或13812345678"),))
    assert results(facts)["no_personal_data"][1] is False


def test_every_reason_a_check_gives_has_its_sentence_in_the_data_file():
    assert set(CHECK_RESULTS) == set(CHECKS)
    for check, reasons in CHECK_RESULTS.items():
        assert set(RUBRIC.why[check]) == set(reasons)


def test_the_score_weighs_only_what_applies():
    checks = inspect(GOOD, RULES).checks
    assert score(checks, dict.fromkeys(CHECKS, 0)) == 100  # nothing weighs: nothing to hold against
    failed = [replace(c, passed=False) if c.check == "no_personal_data" else c for c in checks]
    assert score(failed, RUBRIC.weights) == round(65 / 85 * 100)


# ---- the weekly sample and the review ----------------------------------------------------------
def test_iso_weeks():
    assert iso_week(date(2026, 11, 25)) == "2026-W48"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"  # a Friday: still 2026's last week
    assert week_days("2026-W48").first == date(2026, 11, 23)
    assert week_days("2026-W48").last == date(2026, 11, 29)
    assert previous_week(date(2026, 11, 23)) == "2026-W47"
    for bad in ("2026-W54", "2026W48", "2026-W4", "W48", ""):
        with pytest.raises(ValueError):
            week_days(bad)


def test_the_draw_tops_up_to_n_per_consultant_and_one_seed_draws_one_sample():
    candidates = {7: [10, 11, 12, 13, 14], 3: [20, 21], 9: []}
    first = draw(candidates, {}, 3, Random(42))
    assert first == draw({3: [21, 20], 7: [14, 13, 12, 11, 10]}, {}, 3, Random(42))
    assert [who for who, _ in first] == [3, 3, 7, 7, 7]
    assert {cid for who, cid in first if who == 3} == {20, 21}
    assert {cid for who, cid in first if who == 7} <= {10, 11, 12, 13, 14}
    assert draw(candidates, {7: 3, 3: 3}, 3, Random(1)) == []
    assert len(draw({7: [15, 16]}, {7: 2}, 3, Random(1))) == 1
    seen = {tuple(draw(candidates, {}, 3, Random(seed))) for seed in range(20)}
    assert len(seen) > 1  # the draw really is random across seeds


def test_a_review_is_checked_against_the_rubric():
    items = RUBRIC.rubric
    full = {item.key: item.max for item in items}
    assert check_review(100, full, " 答复准确 ", items).note == "答复准确"
    assert check_review(55, {"accuracy": 30}, None, items).rubric == {"accuracy": 30}
    for score_, rubric, note, field in [
        (101, None, None, "score"),
        (-1, None, None, "score"),
        (True, None, None, "score"),
        ("80", None, None, "score"),
        (99, full, None, "score"),  # every item given: the score is their total
        (50, {"speed": 10}, None, "rubric"),
        (50, {"accuracy": 41}, None, "rubric"),
        (50, ["accuracy"], None, "rubric"),
        (50, None, "x" * 2001, "note"),
        (50, None, 5, "note"),
    ]:
        with pytest.raises(InvalidInput) as raised:
            check_review(score_, rubric, note, items)
        assert raised.value.field == field


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (("      no_clock: 不计答复时限（机器人自助、电话或来访咨询）\n", ""), "checks.answered_in_time.why"),
        (("    max: 10\n", "    max: 15\n"), "rubric"),
        (("    weight: 30\n", "    weight: 300\n"), "weight"),
        (("  found: 咨询员书写的{places}中", "  found: 咨询员书写的内容中"), "{places}"),
        (("sample_per_consultant: 3", "sample_per_consultant: -1"), "sample_per_consultant"),
    ],
)
def test_a_bad_quality_file_stops_the_start_naming_the_file_and_key(
    tmp_path: Path, edit: tuple[str, str], complaint: str
):
    data = shutil.copytree(REPO_ROOT / "data", tmp_path / "data")
    path = data / "quality.yml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_center(data)
    assert "quality.yml" in str(raised.value) and complaint in str(raised.value)
