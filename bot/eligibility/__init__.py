"""Eligibility screening: rules as data (data/eligibility_rules.yml), decisions with their sources."""

from bot.eligibility.rulebook import RuleBook, RuleBookError, load_rulebook
from bot.eligibility.screening import (
    Decision,
    InvalidScreeningCase,
    Reason,
    ScreeningCase,
    UnknownDistrict,
    UnknownMatter,
    parse_case,
    screen,
)

__all__ = [
    "Decision",
    "InvalidScreeningCase",
    "Reason",
    "RuleBook",
    "RuleBookError",
    "ScreeningCase",
    "UnknownDistrict",
    "UnknownMatter",
    "load_rulebook",
    "parse_case",
    "screen",
]
