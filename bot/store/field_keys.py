"""Where the keys for personal data at rest come from: the settings, or the demo's own key file.

Production must name its keys (LEGALAID_FIELD_KEY, checked by the settings). The embedded demo
makes a key once and keeps it in a file beside its database, so a restarted demo still reads
what it stored; that key is marked as a demo key, which production refuses.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.errors import ConfigurationError
from bot.nlu.components.tokenizers import search_words
from bot.privacy.blind_index import BlindIndex
from bot.privacy.field_cipher import FieldCipher, FieldKey, new_field_key, parse_key_ring
from bot.privacy.protection import Protection
from bot.settings import Settings


def protection_for(settings: Settings) -> Protection:
    """The field cipher and the blind index this deployment keeps personal data under."""
    cipher = FieldCipher(field_keys(settings))
    if settings.environment == "production" and cipher.uses_demo_key:
        raise ConfigurationError("production refuses a demo field key: make one with `legalaid keys new`")
    return Protection(cipher, BlindIndex(settings.alias_key.get_secret_value(), search_words))


def field_keys(settings: Settings) -> tuple[FieldKey, ...]:
    if settings.field_key is not None and settings.field_key.get_secret_value().strip():
        return parse_key_ring(settings.field_key.get_secret_value())
    if settings.environment == "production":
        raise ConfigurationError("production needs LEGALAID_FIELD_KEY")
    return parse_key_ring(_demo_key(settings.field_key_file))


def _demo_key(path: Path) -> str:
    """Read the demo key, or make it (readable by this user only) the first time."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_field_key(demo=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
