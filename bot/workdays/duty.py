"""Who is on duty to answer a handoff now: decides whether it can be an online consultation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # service_hours imports this module to build the roster from its file
    from bot.workdays.service_hours import ServiceHours
    from bot.workdays.working_days import WorkingDayCalendar

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


@dataclass(frozen=True, slots=True)
class DutyRoster:
    """Usernames on duty by ISO weekday; a day without names means every active consultant."""

    by_weekday: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def on_duty(
        self,
        consultants: Sequence[ConsultantOnDuty],
        specialty: str,
        at: datetime,
        calendar: WorkingDayCalendar,
        hours: ServiceHours,
    ) -> list[ConsultantOnDuty]:
        """The consultants who can answer `specialty` at `at`; nobody outside service hours."""
        if not hours.is_open(at, calendar):
            return []
        rostered = self.by_weekday.get(hours.local(at).isoweekday())
        return [
            c
            for c in consultants
            if c.active
            and c.role in ANSWERING_ROLES
            and (not rostered or c.username in rostered)
            and c.serves(specialty)
        ]
