"""structlog setup with a redaction processor: no message text or personal data reaches a log."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values are never written, whatever the level.
DENYLIST = frozenset(
    {
        "text",
        "content",
        "body",
        "xml",
        "openid",
        "touser",
        "fromusername",
        "tousername",
        "name",
        "phone",
        "id_number",
        "address",
        "password",
        "secret",
        "token",
        "access_token",
        "echostr",
        "recognition",
    }
)
_LONG_DIGITS = re.compile(r"\d{7,}[\dXx]?")
# An openid: "o" and 20-40 URL-safe characters with at least one digit (WeChat's are 28 long).
_OPENID = re.compile(r"(?<![A-Za-z0-9_-])o(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,40}(?![A-Za-z0-9_-])")


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop denylisted keys and mask digit runs long enough to be a phone or an ID number."""
    for key in list(event_dict):
        if key.lower() in DENYLIST:
            event_dict[key] = "[redacted]"
        else:
            value = event_dict[key]
            if isinstance(value, str):
                event_dict[key] = _LONG_DIGITS.sub("[digits]", value)
    return event_dict


def redact_text(text: str) -> str:
    """Mask what looks like an openid, a phone or an ID number anywhere in a text."""
    return _LONG_DIGITS.sub("[digits]", _OPENID.sub("[openid]", text))


def redact_rendered(_logger: Any, _method: str, rendered: Any) -> Any:
    """The last step, after tracebacks and exception messages are rendered into the line."""
    return redact_text(rendered) if isinstance(rendered, str) else rendered


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """Resolve sys.stderr when a logger is made, not at configure time (it may be replaced)."""
    return structlog.PrintLogger(sys.stderr)


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    """Configure structlog once per process (called by the CLI, never at import)."""
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            renderer,
            redact_rendered,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
