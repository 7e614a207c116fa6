"""Turn a checked wechatpy message into the neutral Inbound the dialogue understands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.consultations.turns import Inbound

SUPPORTED_EVENTS = frozenset(
    {"subscribe", "subscribe_scan", "unsubscribe", "click", "view", "scan", "location"}
)


def message_key(fields: dict[str, str], citizen_alias: str) -> str:
    """MsgId for messages; the citizen+CreateTime+Event+EventKey for events (they have no MsgId).

    The citizen is named by alias, not openid: the key is stored and used in Redis as it is.
    """
    if fields.get("MsgType", "").lower() == "event":
        parts = (
            "ev",
            citizen_alias,
            fields["CreateTime"],
            fields.get("Event", ""),
            fields.get("EventKey", ""),
        )
        return "|".join(parts)[:200]
    return "msg|" + fields["MsgId"]


def to_inbound(
    message: Any, fields: dict[str, str], received_at: datetime, alias_of: Callable[[str], str]
) -> Inbound:
    msg_type = fields["MsgType"].lower()
    sent_at = datetime.fromtimestamp(int(fields["CreateTime"]), UTC)
    common: dict[str, Any] = {
        "citizen_openid": fields["FromUserName"],
        "msg_key": message_key(fields, alias_of(fields["FromUserName"])),
        "received_at": received_at,
        "sent_at": sent_at,
        "wechat_msg_id": int(fields["MsgId"]) if fields.get("MsgId") else None,
    }
    if msg_type == "text":
        return Inbound(kind="text", text=fields.get("Content", ""), **common)
    if msg_type == "voice":
        recognition = (fields.get("Recognition") or "").strip()
        if recognition:
            return Inbound(kind="voice", text=recognition, media_id=fields.get("MediaId"), **common)
        return Inbound(kind="unsupported", media_id=fields.get("MediaId"), **common)
    if msg_type == "image":
        return Inbound(
            kind="image",
            media_id=fields.get("MediaId"),
            extra={"pic_url": fields.get("PicUrl", "")},
            **common,
        )
    if msg_type == "location":
        extra = {k: fields.get(k, "") for k in ("Location_X", "Location_Y", "Scale", "Label")}
        return Inbound(kind="location", text=fields.get("Label") or None, extra=extra, **common)
    if msg_type == "link":
        extra = {k: fields.get(k, "") for k in ("Title", "Description", "Url")}
        return Inbound(kind="link", text=fields.get("Title") or None, extra=extra, **common)
    if msg_type == "event":
        event = (getattr(message, "event", None) or fields.get("Event", "")).lower()
        event_key = getattr(message, "key", None) or fields.get("EventKey") or None
        if event not in SUPPORTED_EVENTS:
            event = "other:" + event[:24]
        return Inbound(kind="event", event=event, event_key=event_key, **common)
    return Inbound(kind="unsupported", **common)
