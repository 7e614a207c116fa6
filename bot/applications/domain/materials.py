"""Which materials an application needs, from its economic-status route (002 §7.4.2 a; seed 003).

Every application needs the applicant's identity document and the materials of the case. The
economic status is proved by a document (proof), by the document that exempts the applicant
(低保证, 特困证…: exempt), or not at all when the signed integrity commitment replaces the proof
(告知承诺, Law art. 41) or the matter needs no hardship test.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Kind = Literal["id_card", "economic_proof", "exemption_proof", "case_materials"]
KINDS: tuple[Kind, ...] = ("id_card", "economic_proof", "exemption_proof", "case_materials")
# A staff request in their own words ("工资条原件"): no photo meets it by itself; staff judge it.
OTHER_MATERIAL = "other"
Route = Literal["not_required", "exempt", "proof", "commitment"]
ROUTES: tuple[Route, ...] = ("not_required", "exempt", "proof", "commitment")


def required_kinds(route: str) -> tuple[Kind, ...]:
    """The kinds of material the application must have, in the order a citizen is asked for them."""
    if route == "proof":
        return ("id_card", "economic_proof", "case_materials")
    if route == "exempt":
        return ("id_card", "exemption_proof", "case_materials")
    return ("id_card", "case_materials")


def missing_kinds(route: str, received: Iterable[str]) -> list[Kind]:
    """What is still missing, in asking order; empty means the materials are complete."""
    have = set(received)
    return [kind for kind in required_kinds(route) if kind not in have]


def route_for(hardship: str | None) -> Route | None:
    """The route the eligibility decision gives; None means the citizen chooses proof or commitment."""
    if hardship == "exempt":
        return "exempt"
    if hardship == "not_required":
        return "not_required"
    if hardship == "commitment":
        return "commitment"
    return None
