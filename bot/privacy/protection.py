"""The two keys personal data at rest is kept under, handed to the store as one value."""

from __future__ import annotations

from dataclasses import dataclass

from bot.privacy.blind_index import BlindIndex
from bot.privacy.field_cipher import FieldCipher


@dataclass(frozen=True, slots=True)
class Protection:
    """`cipher` seals what must be read back; `index` fingerprints what must be found again."""

    cipher: FieldCipher
    index: BlindIndex
