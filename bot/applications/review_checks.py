"""What the staff's requests must hold before an application is touched, and the errors they get.

Checked before the transaction opens, so a bad request changes nothing; each error names the
field (422) or says what happened (403 role, 404 number, 409 someone else or the status).
"""

from __future__ import annotations

import re

from bot.applications.domain.review import MAX_ITEM, MAX_ITEMS, MAX_REASON
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound

_NUMBER = re.compile(r"^[A-Z]{2}\d{6,18}$")


class ApplicationNotFound(NotFound):
    code = "application_not_found"


class ApplicationChanged(Conflict):
    """The conditional update lost: someone else moved the application first."""

    code = "application_changed"


class MaterialsAlreadyRequested(Conflict):
    """002 §7.4.2 d: one notice, unless the citizen has sent something new since."""

    code = "materials_already_requested"


class MoveNotAllowed(Conflict):
    code = "status_not_allowed"


class RoleNotAllowed(Forbidden):
    pass


def check_number(number: str) -> str:
    if not _NUMBER.match(number):
        raise ApplicationNotFound(f"no application {number[:24]!r}: a number looks like FY2026112500001")
    return number


def check_items(items: object) -> list[str]:
    if not isinstance(items, list) or not items:
        raise InvalidInput("items", "items must be a non-empty list of material kinds or short lines of text")
    if len(items) > MAX_ITEMS:
        raise InvalidInput("items", f"at most {MAX_ITEMS} items in one notice")
    wanted: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidInput("items", "each item must be non-empty text")
        if len(item) > MAX_ITEM:
            raise InvalidInput("items", f"an item is longer than {MAX_ITEM} characters")
        if item.strip() not in wanted:
            wanted.append(item.strip())
    return wanted


def check_reason(reason: object, *, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("reason", "a reason is required")
        return None
    if not isinstance(reason, str):
        raise InvalidInput("reason", "reason must be text")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"reason is longer than {MAX_REASON} characters")
    return reason.strip()


def require_role(allowed: bool, what: str) -> None:
    if not allowed:
        raise RoleNotAllowed(f"this account's role does not allow {what}")
