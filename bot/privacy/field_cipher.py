"""Encryption at rest for personal fields: AES-256-GCM under a key ring.

A center rotates keys without downtime: the first key of the ring encrypts, every key in it
decrypts, and `legalaid keys rotate` re-encrypts old values in the background. A sealed value
names the key that sealed it, so rotation knows what is left and a missing key is a clear error
instead of garbage. Each value is bound to its column (`purpose`, the AEAD's associated data),
so a ciphertext copied into another column does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import ConfigurationError

SEALED_PREFIX = "enc1:"
DEMO_PREFIX = "demo-"
_NONCE_BYTES = 12
_KEY_BYTES = 32


class UnreadableField(ConfigurationError):
    """A stored value is not sealed, was sealed by a key not in the ring, or was tampered with."""

    code = "unreadable_field"


@dataclass(frozen=True, slots=True)
class FieldKey:
    """One AES-256 key; `id` (8 hex digits of its SHA-256) is stored with every value it seals."""

    id: str
    secret: bytes
    demo: bool = False

    def __repr__(self) -> str:  # never print the secret
        return f"FieldKey(id={self.id!r}, demo={self.demo})"


def new_field_key(*, demo: bool = False) -> str:
    """A fresh key as written in LEGALAID_FIELD_KEY or the demo key file (URL-safe base64)."""
    text = base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()
    return DEMO_PREFIX + text if demo else text


def parse_field_key(text: str) -> FieldKey:
    """Read one key; a demo key keeps its mark so production can refuse it."""
    text = text.strip()
    demo = text.startswith(DEMO_PREFIX)
    raw = text.removeprefix(DEMO_PREFIX)
    try:
        secret = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(
            "a field key is not URL-safe base64 (make one with `legalaid keys new`)"
        ) from exc
    if len(secret) != _KEY_BYTES:
        raise ConfigurationError("a field key must be 32 bytes (make one with `legalaid keys new`)")
    return FieldKey(hashlib.sha256(secret).hexdigest()[:8], secret, demo)


def parse_key_ring(text: str) -> tuple[FieldKey, ...]:
    """LEGALAID_FIELD_KEY: comma-separated keys, the newest (the one that encrypts) first."""
    keys = tuple(parse_field_key(part) for part in text.split(",") if part.strip())
    if not keys:
        raise ConfigurationError("LEGALAID_FIELD_KEY holds no key")
    if len({key.id for key in keys}) != len(keys):
        raise ConfigurationError("LEGALAID_FIELD_KEY names the same key twice")
    return keys


class FieldCipher:
    """Seals and opens text; values are `enc1:<key id>:<base64 nonce+ciphertext+tag>`."""

    def __init__(self, keys: tuple[FieldKey, ...]) -> None:
        if not keys:
            raise ConfigurationError("a field cipher needs at least one key")
        self.keys = keys
        self._aead = {key.id: AESGCM(key.secret) for key in keys}

    @property
    def current_key_id(self) -> str:
        return self.keys[0].id

    @property
    def uses_demo_key(self) -> bool:
        return any(key.demo for key in self.keys)

    def seal(self, plain: str, purpose: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead[self.current_key_id].encrypt(nonce, plain.encode(), purpose.encode())
        body = base64.b64encode(nonce + sealed).decode()
        return f"{SEALED_PREFIX}{self.current_key_id}:{body}"

    def open(self, stored: str, purpose: str) -> str:
        key_id, body = _split(stored)
        aead = self._aead.get(key_id)
        if aead is None:
            raise UnreadableField(f"a {purpose} value was sealed by key {key_id}, which is not configured")
        try:
            raw = base64.b64decode(body.encode(), validate=True)
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise UnreadableField(f"a {purpose} value does not open with key {key_id}") from exc

    def needs_resealing(self, stored: str) -> bool:
        """True for plain legacy values and values sealed by an older key of the ring."""
        if not stored.startswith(SEALED_PREFIX):
            return True
        return _split(stored)[0] != self.current_key_id


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def _split(stored: str) -> tuple[str, str]:
    if not stored.startswith(SEALED_PREFIX):
        raise UnreadableField("a stored value is not sealed")
    key_id, _, body = stored[len(SEALED_PREFIX) :].partition(":")
    return key_id, body
