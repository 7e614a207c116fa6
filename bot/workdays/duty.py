"""Who may answer a handoff: the console account as the rules see it, and the weekly duty roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["consultant", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("consultant", "supervisor", "admin")
# A consultant with this specialty serves every queue (data/specialties.yml).
GENERAL = "general"
# Admins manage accounts and never answer citizens.
ANSWERING_ROLES = frozenset({"consultant", "supervisor"})


@dataclass(frozen=True, slots=True)
class Consultant:
    """A console account without its password: what the queue, duty and deadline rules decide on."""

    id: int
    username: str
    role: Role
    specialties: frozenset[str]
    active: bool

    @property
    def oversees(self) -> bool:
        """Supervisors and admins see every queue and may reassign."""
        return self.role in ("supervisor", "admin")

    def serves(self, specialty: str) -> bool:
        """A general consultant serves every queue; anyone with a queue also serves the general one."""
        return (
            (specialty == GENERAL and bool(self.specialties))
            or specialty in self.specialties
            or GENERAL in self.specialties
        )

    def own_queues(self) -> frozenset[str] | None:
        """The queues whose unclaimed items keep this consultant busy; None: every queue."""
        return None if GENERAL in self.specialties else self.specialties

    def queues_seen(self) -> frozenset[str] | None:
        """The queues listed for this account (as `serves` says); None: every queue."""
        if self.oversees or GENERAL in self.specialties:
            return None
        return self.specialties | {GENERAL}

    def on_duty(self, rostered: frozenset[str] | None) -> bool:
        """Active, answering citizens, and on the day's roster (an empty roster means everyone)."""
        return self.active and self.role in ANSWERING_ROLES and (not rostered or self.username in rostered)

    def may_answer(self, specialty: str, rostered: frozenset[str] | None) -> bool:
        """On duty that day, and of the queue."""
        return self.on_duty(rostered) and self.serves(specialty)


@dataclass(frozen=True, slots=True)
class DutyRoster:
    """Usernames on duty by ISO weekday; a day without names means every active consultant."""

    by_weekday: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def rostered(self, isoweekday: int) -> frozenset[str] | None:
        return self.by_weekday.get(isoweekday)
