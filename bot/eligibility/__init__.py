"""Eligibility screening: rules as data (read by bot/center/rules_file.py), decisions with their sources."""

from bot.eligibility.rulebook import RuleBook, RuleBookError
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
    "parse_case",
    "screen",
]
