"""Who may answer a handoff: the one rule for "who serves a queue", and the weekly duty roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# A consultant with this specialty serves every queue (data/specialties.yml).
GENERAL = "general"
# Admins manage accounts and never answer citizens.
ANSWERING_ROLES = frozenset({"consultant", "supervisor"})


def serves(specialties: frozenset[str], specialty: str) -> bool:
    """A general consultant serves every queue; anyone with a queue also serves the general one."""
    return (specialty == GENERAL and bool(specialties)) or specialty in specialties or GENERAL in specialties


@dataclass(frozen=True, slots=True)
class ConsultantOnDuty:
    """What the duty decision needs to know about a console account."""

    username: str
    role: str
    specialties: frozenset[str]
    active: bool

    def serves(self, specialty: str) -> bool:
        return serves(self.specialties, specialty)

    def may_answer(self, specialty: str, rostered: frozenset[str] | None) -> bool:
        """Active, answering, on the day's roster (an empty roster means everyone), of the queue."""
        return (
            self.active
            and self.role in ANSWERING_ROLES
            and (not rostered or self.username in rostered)
            and self.serves(specialty)
        )


@dataclass(frozen=True, slots=True)
class DutyRoster:
    """Usernames on duty by ISO weekday; a day without names means every active consultant."""

    by_weekday: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def rostered(self, isoweekday: int) -> frozenset[str] | None:
        return self.by_weekday.get(isoweekday)
