"""A stable, non-reversible alias for a citizen, so logs and the console never show an openid."""

from __future__ import annotations

import hashlib
import hmac


def citizen_alias(openid: str, key: str) -> str:
    """Keyed hash of the openid: stable per deployment, useless without the key."""
    digest = hmac.new(key.encode(), openid.encode(), hashlib.sha256).hexdigest()
    return "c_" + digest[:16]
