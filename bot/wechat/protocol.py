"""WeChat callback protocol: signatures, safe mode (AES), hostile-XML refusal, passive replies.

wechatpy does the cryptography and message parsing; this module closes its gaps: signatures
are compared in constant time, every decryption failure becomes BadWeChatRequest, XML with a
DTD or entities is refused before any parser sees it, and `]]>` cannot escape a CDATA section.
"""

from __future__ import annotations

import binascii
import hmac
import re
import struct
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.parser import parse_message
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.errors import BadWeChatRequest, ForgedRequest

_DTD_OR_ENTITY = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_ascii_number(value: str, *, max_digits: int) -> bool:
    """Plain ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses."""
    return len(value) <= max_digits and _ASCII_DIGITS.fullmatch(value) is not None


def sign(*parts: str) -> str:
    """WeChat's signature: SHA1 of the sorted parts joined together."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def check_signature(expected_parts: tuple[str, ...], given: str | None) -> None:
    if not given or not hmac.compare_digest(sign(*expected_parts).encode(), given.encode("utf-8", "replace")):
        raise ForgedRequest("signature mismatch")


def refuse_dtd(xml: bytes) -> None:
    """No DOCTYPE or ENTITY may reach a parser: it defeats entity bombs and external entities."""
    if _DTD_OR_ENTITY.search(xml):
        raise BadWeChatRequest("XML with a DTD or entity declaration")


def parse_xml_fields(xml: bytes) -> dict[str, str]:
    """Parse a flat WeChat XML document into {tag: text}, refusing anything hostile or malformed."""
    refuse_dtd(xml)
    try:
        root = safe_fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadWeChatRequest(f"malformed XML: {type(exc).__name__}") from None
    if root.tag != "xml":
        raise BadWeChatRequest("root element is not <xml>")
    return {child.tag: (child.text or "") for child in root}


@dataclass(frozen=True, slots=True)
class SafeMode:
    """AES safe mode for one Official Account (EncodingAESKey + appid)."""

    token: str
    aes_key: str
    appid: str

    def decrypt(self, encrypt: str) -> bytes:
        """Decrypt an `Encrypt` field; any failure (bad base64, padding, length, appid) is a 400."""
        crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
        try:
            text = PrpCrypto(crypto.key).decrypt(encrypt, self.appid)
        except (ValueError, TypeError, IndexError, struct.error, binascii.Error, WeChatException) as exc:
            raise BadWeChatRequest(f"cannot decrypt: {type(exc).__name__}") from None
        if not text:
            raise BadWeChatRequest("empty decrypted message")
        return str(text).encode("utf-8")

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str) -> str:
        crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
        return str(crypto.encrypt_message(xml, nonce, timestamp))


def parse_wechat_message(xml: bytes) -> Any:
    """The message object from wechatpy, after the safety checks; any failure is a 400."""
    return read_wechat_message(xml)[0]


def read_wechat_message(xml: bytes) -> tuple[Any, dict[str, str]]:
    """The message object and the flat fields it was read from (parsed once, not twice)."""
    fields = parse_xml_fields(xml)
    for required in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not fields.get(required):
            raise BadWeChatRequest(f"missing {required}")
    if not is_ascii_number(fields["CreateTime"], max_digits=11):
        raise BadWeChatRequest("CreateTime is not a number")
    msg_id = fields.get("MsgId")
    if msg_id is not None and not (is_ascii_number(msg_id, max_digits=19) and int(msg_id) < 2**63):
        raise BadWeChatRequest("MsgId is not a 64-bit number")
    if fields["MsgType"].lower() != "event" and not msg_id:
        raise BadWeChatRequest("missing MsgId")
    # WeChat's ids are far shorter; a longer one would not fit its column (PostgreSQL refuses it).
    for name, longest in (("FromUserName", 64), ("MediaId", 128), ("EventKey", 128)):
        if len(fields.get(name, "")) > longest:
            raise BadWeChatRequest(f"{name} too long")
    try:
        return parse_message(xml.decode("utf-8")), fields
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, UnicodeDecodeError) as exc:
        # wechatpy trusts the shape: a nested element where it expects text is an AttributeError.
        raise BadWeChatRequest(f"unparseable message: {type(exc).__name__}") from None


def cdata_safe(value: str) -> str:
    """Split every `]]>` so user text can never close the CDATA section early."""
    return value.replace("]]>", "]]]]><![CDATA[>")


def render_text_reply(to_openid: str, from_account: str, text: str, create_time: int) -> str:
    reply = TextReply(
        source=cdata_safe(from_account),
        target=cdata_safe(to_openid),
        content=cdata_safe(text),
        time=create_time,
    )
    return str(reply.render())
