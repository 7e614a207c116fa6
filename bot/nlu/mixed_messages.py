"""Messages that say several things: a problem and a question about aid, a greeting and a problem.

Citizens write "老板拖欠我三个月工资，我能申请法律援助吗" — a labour problem *and* an aid question.
Scored as a whole, the two pull against each other and the parse falls back; yet the message is
not ambiguous, it is both. So a message of several clauses is also scored clause by clause: a
problem (a consult_* intent) found in a clause is the main intent when the whole message was
only an aid question, a greeting, a courtesy or unclear (intents.md: "a message that describes
a problem is a consult_* intent even when it also asks 'can I get legal aid'"), and the other
intents present are reported beside it, so the dialogue can act on all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.nlu.parse import FALLBACK_INTENT, IntentScore

# Clauses end at sentence punctuation, at runs of spaces (voice text and phone typing), and at
# a turn of phrase that starts a new question.
_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;：:\n]+|\s{1,}")
_MIN_CLAUSE_CHARS = 2
# A greeting ("你好 在吗") or an unclear whole gives way to a problem stated in a clause.
_GIVES_WAY = frozenset({FALLBACK_INTENT, "greet"})
# An aid question gives way only when the whole message carries the problem too: "我是农民工，
# 申请要审查收入吗" asks about the conditions of aid, and its first clause is no problem to solve.
_GIVES_WAY_IF_SEEN = frozenset({"ask_eligibility", "apply_legal_aid", "help", "affirm", "out_of_scope"})
_ASKS_FOR_A_PERSON = "request_human"
# A clause read as a request for a person counts only when the message names one.
_NAMES_A_PERSON = re.compile(r"人工|真人|工作人员|客服|找个人|找人|律师说话|人来")
_PROBLEM_CONFIDENCE = 0.5  # a problem clause must be this sure of itself to take the lead
_SEEN_IN_WHOLE = 0.2  # ... and, against an aid question, this present in the whole message's ranking

Decide = Callable[[list[IntentScore]], IntentScore]


@dataclass(frozen=True, slots=True)
class MixedReading:
    main: IntentScore
    also: tuple[str, ...]  # other intents present, strongest first, without the main one


def clauses(text: str) -> list[str]:
    return [part for part in _CLAUSE_BREAK.split(text) if len(part.strip()) >= _MIN_CLAUSE_CHARS]


def read_mixed(
    text: str,
    whole: IntentScore,
    whole_ranking: list[IntentScore],
    clause_rankings: Sequence[list[IntentScore]],
    decide: Decide,
) -> MixedReading:
    """The main intent and the others, from the whole message's decision and each clause's ranking."""
    found = [decide(ranking) for ranking in clause_rankings if ranking]
    found = [score for score in found if score.name != FALLBACK_INTENT]
    problems = [s for s in found if _is_problem(s.name) and s.confidence >= _PROBLEM_CONFIDENCE]
    if whole.name in _GIVES_WAY_IF_SEEN:
        seen = {s.name: s.confidence for s in whole_ranking}
        problems = [s for s in problems if seen.get(s.name, 0.0) >= _SEEN_IN_WHOLE]
    main = whole
    if (whole.name in _GIVES_WAY or whole.name in _GIVES_WAY_IF_SEEN) and problems:
        main = max(problems, key=lambda s: s.confidence)
    asked = [s for s in found if s.name == _ASKS_FOR_A_PERSON and s.confidence >= _PROBLEM_CONFIDENCE]
    if (
        asked
        and _NAMES_A_PERSON.search(text)
        and main.name != _ASKS_FOR_A_PERSON
        and whole.name in (*_GIVES_WAY, main.name)
    ):
        main = asked[0]  # "老板欠薪，帮我转人工": a person was asked for; the problem routes the item
    others: list[str] = []
    for score in sorted([whole, *found], key=lambda s: -s.confidence):
        if score.name not in (main.name, FALLBACK_INTENT) and score.name not in others:
            others.append(score.name)
    return MixedReading(main, tuple(others))


def _is_problem(intent: str) -> bool:
    return intent.startswith("consult_")
