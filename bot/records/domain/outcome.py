"""The outcome of a consultation the bot answered alone, inferred from what the bot did.

002 §6.2 a–c: `a` eligible, guided to apply; `b` not eligible, legal advice given; `c` not a
legal-aid matter, told where to go. The bot's eligibility screening decides a and b; the answer
for a matter legal aid does not cover (the interview's `decision.out_of_scope`, which names the
12348 hotline and mediation) is a referral, c. Anything else (a question answered, a greeting)
has no outcome: None means "answered by the bot".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The eligibility rules' matter for what legal aid does not cover; the interview answers it
# with the referral (bot/dialogue/flows/eligibility_interview.py OUT_OF_SCOPE names the same).
NOT_LEGAL_AID_MATTER = "outside_scope"


def bot_outcome(screening: Mapping[str, Any] | None) -> str | None:
    """a, b or c from the latest screening the bot made, or None when it made none that decides."""
    if not screening:
        return None
    decision = (screening.get("decision") or {}).get("decision")
    matter = (screening.get("case") or {}).get("matter")
    if decision == "eligible":
        return "a"
    if decision == "ineligible":
        return "c" if matter == NOT_LEGAL_AID_MATTER else "b"
    return None  # needs_more_info, needs_review: nothing was decided


def screened_matter(screening: Mapping[str, Any] | None) -> str | None:
    """The matter the interview found, the most precise hint of the record's specialty."""
    return ((screening or {}).get("case") or {}).get("matter")
