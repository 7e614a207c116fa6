"""One error hierarchy with stable codes, so edges can map failures to clear answers."""

from __future__ import annotations


class LegalAidError(Exception):
    """Base of every expected failure; `code` is stable and safe to show."""

    code = "legalaid_error"


class InvalidInput(LegalAidError):
    """A field of a request is wrong; `field` names it for the 422 answer."""

    code = "invalid_input"
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LegalAidError):
    """The thing a request names does not exist (404)."""

    code = "not_found"
    status = 404


class Conflict(LegalAidError):
    """Someone else changed it first, or its state does not allow the change (409)."""

    code = "conflict"
    status = 409


class Forbidden(LegalAidError):
    """The account's role may not do this (403)."""

    code = "not_allowed"
    status = 403


class ConfigurationError(LegalAidError):
    """A setting or data file is missing or malformed; the service refuses to start."""

    code = "configuration_error"


class PortUnavailable(ConfigurationError):
    """A port to listen on is taken (or not ours to use); the message names it and the flag that moves it."""

    code = "port_unavailable"


class BadWeChatRequest(LegalAidError):
    """The callback body is not a message WeChat could have sent (400)."""

    code = "bad_request"


class ForgedRequest(LegalAidError):
    """Signature mismatch or a timestamp outside the replay window (403)."""

    code = "forbidden"


class WeChatUnavailable(LegalAidError):
    """The WeChat API could not be reached after bounded retries; the work stays pending.

    `maybe_delivered`: a send went out but its answer never came (a timeout, a dropped connection,
    a 5xx): WeChat may have acted, and its send APIs take no idempotency key.
    """

    code = "wechat_unavailable"

    def __init__(self, message: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class WeChatRefused(LegalAidError):
    """The WeChat API answered with a non-zero errcode."""

    code = "wechat_refused"

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeChat refused: errcode={errcode} {errmsg}".strip())
        self.errcode = errcode
        self.errmsg = errmsg


class AccessTokenExpired(WeChatRefused):
    """40001 / 40014 / 42001: the access token is invalid or expired."""

    code = "access_token_expired"


class OutsideReplyWindow(WeChatRefused):
    """45015: the citizen has not written within 48 hours; keep the answer for a fallback."""

    code = "outside_reply_window"


class TooManyMessages(WeChatRefused):
    """45047: too many customer-service messages without a reply from the citizen."""

    code = "too_many_messages"


TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


def refusal_for(errcode: int, errmsg: str = "") -> WeChatRefused:
    """Build the typed refusal for a WeChat errcode."""
    if errcode in TOKEN_ERRCODES:
        return AccessTokenExpired(errcode, errmsg)
    if errcode == 45015:
        return OutsideReplyWindow(errcode, errmsg)
    if errcode == 45047:
        return TooManyMessages(errcode, errmsg)
    return WeChatRefused(errcode, errmsg)
