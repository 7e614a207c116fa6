"""A WeChat user in code: builds XML as WeChat does, signs it, optionally encrypts it, and POSTs it.

`legalaid chat`, the tests and the benchmark all talk to the service through this one class.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass

import aiohttp

from bot.clock import Clock
from bot.wechat.protocol import SafeMode, parse_xml_fields, sign

OFFICIAL_ACCOUNT = "gh_legalaid_demo"


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True, slots=True)
class CallbackResult:
    status: int
    body: str
    reply_text: str | None  # the passive reply's Content, decrypted when needed


class CitizenSimulator:
    """Speaks to POST /wechat exactly as WeChat's servers would for one follower."""

    _msg_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)  # noqa: TID251 - ids only

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        token: str,
        openid: str,
        aes_key: str | None = None,
        appid: str = "wxdemo0000000000",
        clock_offset: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.openid = openid
        self.safe_mode = SafeMode(token, aes_key, appid) if aes_key else None
        self.clock_offset = clock_offset
        self.clock = clock  # a test's movable clock: WeChat's timestamps follow the service's time

    def now(self) -> int:
        if self.clock is not None:
            return int(self.clock.now().timestamp()) + self.clock_offset
        return int(time.time()) + self.clock_offset  # noqa: TID251 - WeChat's own clock, not ours

    def next_msg_id(self) -> int:
        return next(self._msg_ids)

    # ---- building messages -------------------------------------------------------------
    def text_xml(self, content: str, msg_id: int | None = None, create_time: int | None = None) -> str:
        return self._xml("text", {"Content": content}, msg_id, create_time)

    def voice_xml(self, recognition: str, msg_id: int | None = None) -> str:
        fields = {"MediaId": "voice_" + secrets.token_hex(4), "Format": "amr", "Recognition": recognition}
        return self._xml("voice", fields, msg_id)

    def image_xml(self, media_id: str = "demo_image_1", msg_id: int | None = None) -> str:
        return self._xml("image", {"PicUrl": "http://127.0.0.1/pic.jpg", "MediaId": media_id}, msg_id)

    def location_xml(self, x: float = 23.13, y: float = 113.26, label: str = "市法律援助中心附近") -> str:
        fields = {"Location_X": str(x), "Location_Y": str(y), "Scale": "15", "Label": label}
        return self._xml("location", fields)

    def link_xml(self, title: str = "一篇文章", url: str = "http://example.invalid/a") -> str:
        return self._xml("link", {"Title": title, "Description": "", "Url": url})

    def event_xml(self, event: str, event_key: str = "", create_time: int | None = None) -> str:
        ct = create_time or self.now()
        return (
            f"<xml><ToUserName>{_cdata(OFFICIAL_ACCOUNT)}</ToUserName>"
            f"<FromUserName>{_cdata(self.openid)}</FromUserName><CreateTime>{ct}</CreateTime>"
            f"<MsgType>{_cdata('event')}</MsgType><Event>{_cdata(event)}</Event>"
            f"<EventKey>{_cdata(event_key)}</EventKey></xml>"
        )

    def _xml(
        self, msg_type: str, fields: dict[str, str], msg_id: int | None = None, create_time: int | None = None
    ) -> str:
        body = "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items())
        return (
            f"<xml><ToUserName>{_cdata(OFFICIAL_ACCOUNT)}</ToUserName>"
            f"<FromUserName>{_cdata(self.openid)}</FromUserName>"
            f"<CreateTime>{create_time or self.now()}</CreateTime>"
            f"<MsgType>{_cdata(msg_type)}</MsgType>{body}"
            f"<MsgId>{msg_id if msg_id is not None else self.next_msg_id()}</MsgId></xml>"
        )

    # ---- signing and sending -----------------------------------------------------------
    def signed(
        self, xml: str, *, encrypt: bool | None = None, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """Query parameters and body, signed (and encrypted in safe mode) as WeChat does."""
        ts = str(timestamp if timestamp is not None else self.now())
        nonce = secrets.token_hex(5)
        params = {
            "timestamp": ts,
            "nonce": nonce,
            "signature": sign(self.token, ts, nonce),
            "openid": self.openid,
        }
        use_aes = self.safe_mode is not None if encrypt is None else encrypt
        if not use_aes:
            return params, xml.encode("utf-8")
        assert self.safe_mode is not None
        envelope = self.safe_mode.encrypt_reply(xml, nonce, ts)
        encrypt_value = parse_xml_fields(envelope.encode())["Encrypt"]
        params["encrypt_type"] = "aes"
        params["msg_signature"] = sign(self.token, ts, nonce, encrypt_value)
        body = (
            f"<xml><ToUserName>{_cdata(OFFICIAL_ACCOUNT)}</ToUserName>"
            f"<Encrypt>{_cdata(encrypt_value)}</Encrypt></xml>"
        )
        return params, body.encode("utf-8")

    async def post(self, params: dict[str, str], body: bytes) -> CallbackResult:
        async with self.session.post(
            f"{self.base_url}/wechat", params=params, data=body, headers={"Content-Type": "text/xml"}
        ) as resp:
            text = await resp.text()
            return CallbackResult(resp.status, text, self.reply_text(text) if resp.status == 200 else None)

    async def send(self, xml: str, *, encrypt: bool | None = None) -> CallbackResult:
        params, body = self.signed(xml, encrypt=encrypt)
        return await self.post(params, body)

    async def say(self, text: str) -> CallbackResult:
        return await self.send(self.text_xml(text))

    def reply_text(self, body: str) -> str | None:
        """The Content of a passive reply (None for `success` or an empty body)."""
        if not body or body == "success" or not body.lstrip().startswith("<"):
            return None
        fields = parse_xml_fields(body.encode("utf-8"))
        if "Encrypt" in fields:
            assert self.safe_mode is not None, "encrypted reply but no AES key"
            fields = parse_xml_fields(self.safe_mode.decrypt(fields["Encrypt"]))
        return fields.get("Content")
