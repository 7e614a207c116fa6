"""Sealed columns: personal fields are encrypted on the way into the database, by construction.

A column typed `SealedText` or `SealedJSON` cannot be written in the clear: the type seals every
value it binds and opens every value it reads, with the `Protection` the Database was opened
with (attached to the engine's dialect, so each engine carries its own keys). Code above the
store never sees ciphertext, and there is no path that forgets to encrypt. Sealed values are
random, so a sealed column is never compared in SQL: lookups go through the blind index.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Connection, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.errors import ConfigurationError
from bot.privacy.protection import Protection

_ATTRIBUTE = "legalaid_protection"


def protect(dialect: Dialect, protection: Protection) -> None:
    """Give an engine's dialect the keys its sealed columns use."""
    setattr(dialect, _ATTRIBUTE, protection)


def protection_of(where: Connection | Dialect) -> Protection:
    dialect = where.dialect if isinstance(where, Connection) else where
    protection = getattr(dialect, _ATTRIBUTE, None)
    if not isinstance(protection, Protection):
        raise ConfigurationError("the database was opened without field keys; personal data cannot be stored")
    return protection


class SealedText(TypeDecorator[str]):
    """Text sealed with the field cipher; `purpose` (table.column) is bound into the ciphertext."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return protection_of(dialect).cipher.seal(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return protection_of(dialect).cipher.open(value, self.purpose)


class SealedJSON(TypeDecorator[Any]):
    """A JSON document sealed as one value (packets, screenings, interview answers, notes)."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return protection_of(dialect).cipher.seal(plain, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(protection_of(dialect).cipher.open(value, self.purpose))


class SealedBytes(SealedText):
    """A file sealed as one value (a photo of an ID card): base64 inside the sealed text, so key
    rotation, which re-seals text, handles it like any other sealed column."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return super().process_bind_param(base64.b64encode(value).decode(), dialect)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        opened = super().process_result_value(value, dialect)
        return None if opened is None else base64.b64decode(opened)
