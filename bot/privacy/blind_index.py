"""Keyed fingerprints of personal values: exact lookup and word search without plain text at rest.

A value that must be found again (a citizen's openid, an ID or phone number, a word of a
transcript) is stored as an HMAC under the center's lookup key, never in the clear. Equal values
give equal fingerprints inside one deployment; without the key they reveal nothing, and unlike
the field cipher they cannot be decrypted. Each kind of value has its own domain tag so an ID
number's fingerprint never equals a phone number's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable

from bot.identity.gb11643 import normalize_id_number

_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
_NOT_DIGITS = re.compile(r"\D")


class BlindIndex:
    """Fingerprints under one key (LEGALAID_ALIAS_KEY); the transcript's words need a segmenter."""

    def __init__(self, key: str, segment: Callable[[str], Iterable[str]] | None = None) -> None:
        self._key = key.encode()
        self._segment = segment
        # The keyed state is computed once and copied per value: every message's words and
        # every callback's alias pass through here, and keying an HMAC costs two hash blocks.
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)

    def _hmac_hex(self, value: bytes) -> str:
        mac = self._keyed.copy()
        mac.update(value)
        return mac.hexdigest()

    def citizen_alias(self, openid: str) -> str:
        """What logs, Redis and the console call a citizen; also the citizen's lookup key."""
        digest = self._hmac_hex(openid.encode())
        return "c_" + digest[:16]

    def phone(self, number: str) -> str:
        """Same fingerprint however the citizen typed it: spaces, dashes, full-width, +86."""
        digits = _NOT_DIGITS.sub("", unicodedata.normalize("NFKC", number))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return self._fingerprint("phone", digits)

    def id_number(self, number: str) -> str:
        return self._fingerprint("id", normalize_id_number(unicodedata.normalize("NFKC", number)))

    def terms(self, text: str) -> set[str]:
        """Fingerprints of the words of a text (jieba's search mode), for the blind word index."""
        if self._segment is None:
            raise RuntimeError("this blind index was built without a word segmenter")
        words = {
            word.lower()
            for word in self._segment(unicodedata.normalize("NFKC", text))
            if _WORDLIKE.search(word)
        }
        return {self._fingerprint("term", word, length=16) for word in words}

    def _fingerprint(self, kind: str, value: str, length: int = 32) -> str:
        return self._hmac_hex(f"{kind}|{value}".encode())[:length]
