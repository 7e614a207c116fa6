"""Reading a message of several clauses: the problem leads unless a person was asked for."""

from __future__ import annotations

from bot.nlu.mixed_messages import clauses, read_mixed
from bot.nlu.parse import FALLBACK_INTENT, IntentScore


def decide(ranking: list[IntentScore]) -> IntentScore:
    top = ranking[0]
    if top.confidence < 0.3 or (len(ranking) > 1 and top.confidence - ranking[1].confidence < 0.05):
        return IntentScore(FALLBACK_INTENT, 0.3)
    return top


def r(*pairs: tuple[str, float]) -> list[IntentScore]:
    return [IntentScore(name, confidence) for name, confidence in pairs]


def test_clauses_split_at_punctuation_and_spaces_and_drop_single_characters():
    assert clauses("老板拖欠我三个月工资，我能申请法律援助吗") == [
        "老板拖欠我三个月工资",
        "我能申请法律援助吗",
    ]
    assert clauses("你好 在吗 想问问离婚的事") == ["你好", "在吗", "想问问离婚的事"]
    assert clauses("嗯，好") == []


def test_an_unclear_whole_gives_way_to_the_problem_in_a_clause():
    whole = r(("consult_labor", 0.50), ("ask_eligibility", 0.49))
    reading = read_mixed(
        "老板拖欠我三个月工资，我能申请法律援助吗",
        decide(whole),
        whole,
        [r(("consult_labor", 0.97), ("other", 0.01)), r(("ask_eligibility", 0.92), ("other", 0.01))],
        decide,
    )
    assert reading.main.name == "consult_labor" and reading.also == ("ask_eligibility",)


def test_an_aid_question_keeps_the_lead_when_the_whole_message_does_not_carry_the_problem():
    whole = r(("ask_eligibility", 0.85), ("consult_labor", 0.05))
    reading = read_mixed(
        "我是农民工 申请法律援助要审查收入吗",
        decide(whole),
        whole,
        [r(("consult_labor", 0.8), ("other", 0.1)), r(("ask_eligibility", 0.9), ("other", 0.05))],
        decide,
    )
    assert reading.main.name == "ask_eligibility" and "consult_labor" in reading.also


def test_thanks_are_not_overruled_by_a_story():
    whole = r(("thank", 0.7), ("consult_civil_other", 0.2))
    reading = read_mixed(
        "谢谢 钱要回来了",
        decide(whole),
        whole,
        [r(("thank", 0.9), ("x", 0.0)), r(("consult_civil_other", 0.8))],
        decide,
    )
    assert reading.main.name == "thank"


def test_a_request_for_a_person_leads_only_when_a_person_is_named():
    whole = r(("consult_labor", 0.50), ("request_human", 0.49))
    clause_rankings = [r(("consult_labor", 0.95), ("x", 0.0)), r(("request_human", 0.9), ("x", 0.0))]
    asked = read_mixed("老板拖欠工资半年了，帮我转人工", decide(whole), whole, clause_rankings, decide)
    assert asked.main.name == "request_human" and asked.also[0] == "consult_labor"
    not_asked = read_mixed("老板拖欠工资半年了，重新来", decide(whole), whole, clause_rankings, decide)
    assert not_asked.main.name == "consult_labor"


def test_unsure_clauses_change_nothing():
    whole = r(("greet", 0.9), ("consult_family", 0.05))
    reading = read_mixed(
        "你好 离婚", decide(whole), whole, [r(("consult_family", 0.4), ("greet", 0.38))], decide
    )
    assert reading.main.name == "greet" and reading.also == ()
