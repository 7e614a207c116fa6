"""Who hears of a reply deadline's reminder or breach: someone always does.

Pure: the sweep (scheduler/deadline_sweep.py) reads the staff and calls this inside its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.workdays.duty import Consultant
from bot.workdays.service_calendar import ServiceCalendar


def recipients(
    staff: Sequence[Consultant],
    specialty: str,
    assignee_id: int | None,
    now: datetime,
    step: str,
    service: ServiceCalendar,
) -> list[int]:
    """Reminders go to the assignee, else to the specialty's on-duty consultants, else to the
    specialty's consultants; breaches also escalate to every supervisor; admins when nobody else."""
    active = [c for c in staff if c.active]
    supervisors = [c.id for c in active if c.role == "supervisor"]
    if assignee_id is not None:
        chosen = [assignee_id]
    else:
        chosen = [c.id for c in service.on_duty(active, specialty, now)]
        if not chosen:
            chosen = [c.id for c in active if c.role != "admin" and c.serves(specialty)]
    if step == "breached" or not chosen:
        chosen = chosen + [s for s in supervisors if s not in chosen]
    if not chosen:
        chosen = [c.id for c in active if c.role == "admin"]
    return chosen
