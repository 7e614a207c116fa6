"""Hostile input at POST/GET /wechat: every refusal has the right status and changes nothing."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime

import pytest
from defusedxml.ElementTree import fromstring as safe_fromstring
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from bot.clock import MovableClock
from bot.consultations.turns import ConversationState, Inbound, Outbound
from bot.dialogue.engine import Response
from bot.wechat.citizen_simulator import OFFICIAL_ACCOUNT, CitizenSimulator
from bot.wechat.protocol import SafeMode, parse_xml_fields, sign
from tests.conftest import RunningService, ServiceFactory, new_aes_key

MODES = pytest.mark.parametrize("aes", [True, False], ids=["aes", "plain"])

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml ['
    '<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"
)
PLAIN_DTD = (
    "<!DOCTYPE xml><xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"
)
PARAMETER_ENTITIES = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">'
    "<!ENTITY % local \"<!ENTITY inner 'x'>\"> %remote; %local;]>"
    "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&inner;</Content><MsgId>1</MsgId></xml>"
)
LOWERCASE_DOCTYPE = PLAIN_DTD.replace("<!DOCTYPE", "<!doctype")


# ---- helpers ------------------------------------------------------------------------------------


def _wrap_aes(
    citizen: CitizenSimulator, encrypt_value: str, timestamp: int | None = None
) -> tuple[dict, bytes]:
    """A safe-mode envelope around any Encrypt value, with a msg_signature valid for it."""
    ts = str(timestamp if timestamp is not None else citizen.now())
    nonce = secrets.token_hex(5)
    params = {
        "timestamp": ts,
        "nonce": nonce,
        "signature": sign(citizen.token, ts, nonce),
        "openid": citizen.openid,
        "encrypt_type": "aes",
        "msg_signature": sign(citizen.token, ts, nonce, encrypt_value),
    }
    body = (
        f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt_value}]]></Encrypt></xml>"
    )
    return params, body.encode("utf-8")


def _encrypt_bytes(aes_key: str, appid: str, payload: bytes) -> str:
    """Encrypt raw bytes (even invalid UTF-8) exactly as WeChat's safe mode does."""
    key = WeChatCrypto("unused", aes_key, appid).key
    return PrpCrypto(key).encrypt(payload, appid).decode()


def _signed_payload(
    svc: RunningService, citizen: CitizenSimulator, payload: bytes, aes: bool
) -> tuple[dict, bytes]:
    """Sign (and in safe mode encrypt) an arbitrary payload with a valid signature."""
    if not aes:
        params, _ = citizen.signed("", encrypt=False)
        return params, payload
    assert svc.aes_key is not None
    return _wrap_aes(citizen, _encrypt_bytes(svc.aes_key, svc.settings.wechat_appid, payload))


async def _post(
    svc: RunningService, params: dict, body: object, headers: dict | None = None
) -> tuple[int, str]:
    async with svc.http.post(
        svc.url + "/wechat", params=params, data=body, headers=headers or {"Content-Type": "text/xml"}
    ) as resp:
        return resp.status, await resp.text()


async def _assert_refused(
    svc: RunningService, params: dict, body: object, status: int, headers: dict | None = None
) -> None:
    before = await svc.counts()
    got, text = await _post(svc, params, body, headers)
    assert got == status, text
    assert "<xml" not in text  # no reply was made
    assert await svc.counts() == before


async def _assert_nothing_stored(svc: RunningService) -> None:
    assert set((await svc.counts()).values()) == {0}


def _drop(xml: str, tag: str) -> str:
    return re.sub(rf"<{tag}>.*?</{tag}>", "", xml)


def _with_field(xml: str, tag: str, value: str) -> str:
    return re.sub(rf"<{tag}>.*?</{tag}>", f"<{tag}>{value}</{tag}>", xml)


# ---- forged signatures ----------------------------------------------------------------------------

FORGERIES = {
    "wrong": lambda sig: "0" * 40,
    "missing": lambda sig: None,
    "empty": lambda sig: "",
    "upper-case": lambda sig: sig.upper(),
    "too-short": lambda sig: sig[:-1],
    "too-long": lambda sig: sig + "0",
    "non-ascii": lambda sig: "签名" + sig[2:],
    "one-digit-off": lambda sig: sig[:-1] + ("1" if sig[-1] != "1" else "2"),
}


@MODES
@pytest.mark.parametrize("forge", list(FORGERIES.values()), ids=list(FORGERIES))
async def test_forged_plaintext_signature_is_refused(start_service: ServiceFactory, aes: bool, forge):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), encrypt=False)
    forged = forge(params["signature"])
    if forged is None:
        del params["signature"]
    else:
        params["signature"] = forged
    await _assert_refused(svc, params, body, 403)
    await _assert_nothing_stored(svc)


@pytest.mark.parametrize(
    "forge",
    [*FORGERIES.values(), "plain-signature"],
    ids=[*FORGERIES, "plain-signature-in-its-place"],
)
async def test_forged_msg_signature_in_aes_mode_is_refused(start_service: ServiceFactory, forge):
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), encrypt=True)
    forged = params["signature"] if forge == "plain-signature" else forge(params["msg_signature"])
    if forged is None:
        del params["msg_signature"]
    else:
        params["msg_signature"] = forged
    await _assert_refused(svc, params, body, 403)


async def test_encrypt_swapped_after_signing_is_refused(start_service: ServiceFactory):
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, _ = citizen.signed(citizen.text_xml("我要咨询"), encrypt=True)
    _, other_body = citizen.signed(citizen.text_xml("另一条消息"), encrypt=True)
    await _assert_refused(svc, params, other_body, 403)


async def test_a_plaintext_body_to_an_account_in_safe_mode_is_refused(start_service: ServiceFactory):
    """With an AES key the URL signature alone proves nothing about the body: plaintext is 403."""
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("我要转人工"), encrypt=False)
    await _assert_refused(svc, params, body, 403)
    await _assert_nothing_stored(svc)


async def test_plaintext_in_safe_mode_only_with_the_compatibility_setting(start_service: ServiceFactory):
    svc = await start_service(aes=True, wechat_accept_plaintext=True)
    citizen = svc.citizen()
    result = await citizen.send(citizen.text_xml("你好"), encrypt=False)
    assert result.status == 200 and result.reply_text is not None


@MODES
async def test_a_signed_query_string_replayed_with_another_body_is_refused(
    start_service: ServiceFactory, aes: bool
):
    """A captured (timestamp, nonce, signature) carries one message: WeChat's retry of it is
    answered again, another body under it is refused and opens nothing."""
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"))
    first = await citizen.post(params, body)
    assert first.status == 200 and first.reply_text is not None
    retry = await citizen.post(params, body)  # WeChat retries with the same query and body
    assert retry.status == 200
    for forged_text in ("转人工", "我要投诉"):
        forged = citizen.text_xml(forged_text)
        if aes:
            _, forged_body = citizen.signed(forged)  # validly encrypted, but under another nonce
        else:
            forged_body = forged.encode()
        await _assert_refused(svc, params, forged_body, 403)
    another = svc.citizen()  # another citizen's openid and message under the same signature
    await _assert_refused(svc, params, another.signed(another.text_xml("转人工"), encrypt=aes)[1], 403)
    assert await svc.count("handoff") == 0
    assert await svc.scalar("SELECT COUNT(*) FROM message WHERE direction = 'in'") == 1


# ---- replay window and timestamps -------------------------------------------------------------------

FIXED_NOW = MovableClock().now()


@MODES
@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
async def test_timestamp_outside_the_replay_window_is_refused(
    start_service: ServiceFactory, aes: bool, offset
):
    svc = await start_service(aes=aes, clock=MovableClock(FIXED_NOW))
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), timestamp=int(FIXED_NOW.timestamp()) + offset)
    await _assert_refused(svc, params, body, 403)


@MODES
@pytest.mark.parametrize("offset", [-300, 300], ids=["oldest-allowed", "latest-allowed"])
async def test_timestamp_at_the_edge_of_the_replay_window_is_accepted(
    start_service: ServiceFactory, aes: bool, offset
):
    svc = await start_service(aes=aes, clock=MovableClock(FIXED_NOW))
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), timestamp=int(FIXED_NOW.timestamp()) + offset)
    result = await citizen.post(params, body)
    assert result.status == 200 and result.reply_text is not None
    assert await svc.count("message") == 2


NON_NUMERIC_TIMESTAMPS = {
    "letters": "abc",
    "empty": "",
    "negative": "-5",
    "float": "1700000000.5",
    "exponent": "1e9",
    "spaces": " 1700000000",
    "too-long": "9" * 30,
}


@MODES
@pytest.mark.parametrize("value", list(NON_NUMERIC_TIMESTAMPS.values()), ids=list(NON_NUMERIC_TIMESTAMPS))
async def test_non_numeric_timestamp_is_refused_even_when_signed(
    start_service: ServiceFactory, aes: bool, value
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), timestamp=value)  # type: ignore[arg-type]
    await _assert_refused(svc, params, body, 403)


@pytest.mark.parametrize("value", ["²", "1700000000²"], ids=["superscript", "trailing-superscript"])
async def test_unicode_digit_timestamp_is_refused_not_a_500(start_service: ServiceFactory, value):
    svc = await start_service(aes=False)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), timestamp=value)  # type: ignore[arg-type]
    await _assert_refused(svc, params, body, 403)


async def test_get_verification_with_a_bad_signature_is_refused(start_service: ServiceFactory):
    svc = await start_service(aes=False)
    params, _ = svc.citizen().signed("", encrypt=False)
    params["echostr"] = "echo-123"
    params["signature"] = params["signature"][::-1]
    async with svc.http.get(svc.url + "/wechat", params=params) as resp:
        assert resp.status == 403
        assert "echo-123" not in await resp.text()
    await _assert_nothing_stored(svc)


@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
async def test_get_verification_outside_the_replay_window_is_refused(start_service: ServiceFactory, offset):
    svc = await start_service(aes=False, clock=MovableClock(FIXED_NOW))
    params, _ = svc.citizen().signed("", encrypt=False, timestamp=int(FIXED_NOW.timestamp()) + offset)
    params["echostr"] = "echo-456"
    async with svc.http.get(svc.url + "/wechat", params=params) as resp:
        assert resp.status == 403
        assert "echo-456" not in await resp.text()
    await _assert_nothing_stored(svc)


# ---- malformed and incomplete XML -------------------------------------------------------------------


def _text(c: CitizenSimulator) -> str:
    return c.text_xml("你好")


MALFORMED = {
    "truncated": lambda c: _text(c).encode()[: len(_text(c).encode()) // 2],
    "not-xml": lambda c: b"hello, this is not xml",
    "json": lambda c: b'{"MsgType": "text", "Content": "hi"}',
    "wrong-root": lambda c: _text(c).replace("<xml>", "<message>").replace("</xml>", "</message>").encode(),
    "binary-garbage": lambda c: b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "invalid-utf8": lambda c: _text(c).encode().replace("你好".encode(), b"\xff\xfe\xc3\x28"),
    "two-roots": lambda c: (_text(c) + _text(c)).encode(),
    "unclosed-cdata": lambda c: _text(c).replace("]]></Content>", "</Content>").encode(),
}


@MODES
@pytest.mark.parametrize("build", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_xml_is_a_bad_request(start_service: ServiceFactory, aes: bool, build):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = _signed_payload(svc, citizen, build(citizen), aes)
    await _assert_refused(svc, params, body, 400)
    await _assert_nothing_stored(svc)


INCOMPLETE = {
    "no-FromUserName": lambda c: _drop(_text(c), "FromUserName"),
    "no-ToUserName": lambda c: _drop(_text(c), "ToUserName"),
    "no-MsgType": lambda c: _drop(_text(c), "MsgType"),
    "no-CreateTime": lambda c: _drop(_text(c), "CreateTime"),
    "text-without-MsgId": lambda c: _drop(_text(c), "MsgId"),
    "empty-FromUserName": lambda c: _with_field(_text(c), "FromUserName", ""),
    "CreateTime-words": lambda c: _with_field(_text(c), "CreateTime", "yesterday"),
    "CreateTime-negative": lambda c: _with_field(_text(c), "CreateTime", "-1"),
    "CreateTime-float": lambda c: _with_field(_text(c), "CreateTime", "1700000000.5"),
    "MsgId-words": lambda c: _with_field(_text(c), "MsgId", "abc"),
    "MsgId-negative": lambda c: _with_field(_text(c), "MsgId", "-7"),
    "MsgId-hex": lambda c: _with_field(_text(c), "MsgId", "0x1F"),
    "FromUserName-too-long": lambda c: _with_field(_text(c), "FromUserName", "o" * 65),
    # Longer than their columns: PostgreSQL refused the insert, a 503 WeChat would retry for ever.
    "MediaId-too-long": lambda c: _with_field(c.image_xml(), "MediaId", "m" * 129),
    "EventKey-too-long": lambda c: _with_field(c.event_xml("CLICK"), "EventKey", "k" * 129),
}


@MODES
@pytest.mark.parametrize("build", list(INCOMPLETE.values()), ids=list(INCOMPLETE))
async def test_missing_or_non_numeric_fields_are_a_bad_request(
    start_service: ServiceFactory, aes: bool, build
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = _signed_payload(svc, citizen, build(citizen).encode(), aes)
    await _assert_refused(svc, params, body, 400)


OUT_OF_RANGE = {
    "CreateTime-superscript-digit": lambda c: _with_field(_text(c), "CreateTime", "²"),
    "MsgId-superscript-digit": lambda c: _with_field(_text(c), "MsgId", "1²"),
    "CreateTime-beyond-year-9999": lambda c: _with_field(_text(c), "CreateTime", "9" * 20),
    "MsgId-beyond-64-bits": lambda c: _with_field(_text(c), "MsgId", "9" * 25),
}


@pytest.mark.parametrize("build", list(OUT_OF_RANGE.values()), ids=list(OUT_OF_RANGE))
async def test_unparseable_numbers_are_a_bad_request_not_a_500(start_service: ServiceFactory, build):
    svc = await start_service(aes=False)
    citizen = svc.citizen()
    params, body = _signed_payload(svc, citizen, build(citizen).encode(), False)
    await _assert_refused(svc, params, body, 400)


@MODES
@pytest.mark.parametrize("body", [b"", b"   \r\n\t "], ids=["empty", "whitespace"])
async def test_empty_body_with_a_valid_signature_is_a_bad_request(
    start_service: ServiceFactory, aes: bool, body
):
    svc = await start_service(aes=aes)
    params, _ = svc.citizen().signed("", encrypt=False)
    await _assert_refused(svc, params, body, 400)
    await _assert_nothing_stored(svc)


async def test_empty_decrypted_payload_is_a_bad_request(start_service: ServiceFactory):
    svc = await start_service(aes=True)
    params, body = _signed_payload(svc, svc.citizen(), b"", True)
    await _assert_refused(svc, params, body, 400)


# ---- XML attacks with a valid signature, outside and inside the AES payload --------------------------

ATTACKS = {
    "external-entity": XXE,
    "billion-laughs": BILLION_LAUGHS,
    "plain-dtd": PLAIN_DTD,
    "parameter-entities": PARAMETER_ENTITIES,
    "lowercase-doctype": LOWERCASE_DOCTYPE,
}


@MODES
@pytest.mark.parametrize("xml", list(ATTACKS.values()), ids=list(ATTACKS))
async def test_xml_with_a_dtd_or_entities_is_refused(start_service: ServiceFactory, aes: bool, xml):
    svc = await start_service(aes=aes)
    params, body = _signed_payload(svc, svc.citizen(), xml.encode(), aes)
    await _assert_refused(svc, params, body, 400)
    await _assert_nothing_stored(svc)


@MODES
async def test_utf16_document_with_a_dtd_is_refused(start_service: ServiceFactory, aes: bool):
    """The byte-level DTD check cannot see UTF-16; the parser's own refusal must still hold."""
    svc = await start_service(aes=aes)
    xml = XXE.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    params, body = _signed_payload(svc, svc.citizen(), xml.encode("utf-16"), aes)
    await _assert_refused(svc, params, body, 400)


async def test_entity_in_the_outer_aes_envelope_is_refused(start_service: ServiceFactory):
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("你好"), encrypt=True)
    attacked = body.replace(b"<xml>", b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml>', 1)
    attacked = attacked.replace(b"<ToUserName>", b"<ToUserName>&xxe;", 1)
    await _assert_refused(svc, params, attacked, 400)


# ---- AES garbage ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


AES_GARBAGE = {
    "not-base64": lambda svc, c: "this is *not* base64 !!",
    "only-padding": lambda svc, c: "====",
    "base64-of-7-bytes": lambda svc, c: _b64(secrets.token_bytes(7)),
    "base64-of-33-bytes": lambda svc, c: _b64(secrets.token_bytes(33)),
    "base64-of-32-random-bytes": lambda svc, c: _b64(secrets.token_bytes(32)),
    "base64-of-16-zero-bytes": lambda svc, c: _b64(bytes(16)),
    "base64-of-4096-random-bytes": lambda svc, c: _b64(secrets.token_bytes(4096)),
    "other-aes-key": lambda svc, c: _encrypt_bytes(
        new_aes_key(), svc.settings.wechat_appid, _text(c).encode()
    ),
    "other-appid": lambda svc, c: parse_xml_fields(
        SafeMode(svc.settings.wechat_token.get_secret_value(), svc.aes_key, "wxOTHER")
        .encrypt_reply(_text(c), "nonce", str(c.now()))
        .encode()
    )["Encrypt"],
}


@pytest.mark.parametrize("build", list(AES_GARBAGE.values()), ids=list(AES_GARBAGE))
async def test_undecryptable_encrypt_is_a_bad_request(start_service: ServiceFactory, build):
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, body = _wrap_aes(citizen, build(svc, citizen))
    await _assert_refused(svc, params, body, 400)
    await _assert_nothing_stored(svc)


@pytest.mark.parametrize("envelope", ["empty-encrypt", "no-encrypt"])
async def test_aes_envelope_without_ciphertext_is_a_bad_request(start_service: ServiceFactory, envelope):
    svc = await start_service(aes=True)
    citizen = svc.citizen()
    params, body = _wrap_aes(citizen, "")
    if envelope == "no-encrypt":
        body = f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName></xml>".encode()
    await _assert_refused(svc, params, body, 400)


async def test_aes_request_when_the_service_has_no_aes_key_is_a_bad_request(start_service: ServiceFactory):
    svc = await start_service(aes=False)
    citizen = CitizenSimulator(
        svc.http,
        svc.url,
        token=svc.settings.wechat_token.get_secret_value(),
        openid="o" + secrets.token_hex(13),
        aes_key=new_aes_key(),
        appid=svc.settings.wechat_appid,
    )
    params, body = citizen.signed(citizen.text_xml("你好"), encrypt=True)
    await _assert_refused(svc, params, body, 400)
    await _assert_nothing_stored(svc)


# ---- oversized bodies -----------------------------------------------------------------------------

OVER_LIMIT = 64 * 1024 + 1


@MODES
async def test_oversized_body_with_content_length_is_refused(start_service: ServiceFactory, aes: bool):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("长" * (OVER_LIMIT // 3 + 1)))
    assert len(body) > OVER_LIMIT
    await _assert_refused(svc, params, body, 413)
    await _assert_nothing_stored(svc)


@MODES
async def test_oversized_chunked_body_without_content_length_is_refused(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, body = citizen.signed(citizen.text_xml("长" * (OVER_LIMIT // 3 + 1)))

    async def chunks():
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    await _assert_refused(svc, params, chunks(), 413)
    await _assert_nothing_stored(svc)


# ---- CDATA terminator in the citizen's text -------------------------------------------------------


class EchoEngine:
    """Answers with the citizen's own text, so the reply carries whatever they typed."""

    async def respond(self, inbound: Inbound, state: ConversationState, now: datetime) -> Response:
        return Response(replies=[Outbound(inbound.text or "")], state=state)


@MODES
@pytest.mark.parametrize(
    "typed",
    [
        "]]>",
        "a]]>b]]>c",
        "]]><MsgType>news</MsgType><![CDATA[",
        "]]]]><![CDATA[>",
        "<Content>x</Content>&amp;",
    ],
    ids=["terminator", "two-terminators", "injected-tags", "pre-split", "tags-and-entity"],
)
async def test_cdata_terminator_in_text_round_trips_in_a_well_formed_reply(
    start_service: ServiceFactory, aes: bool, typed: str
):
    svc = await start_service(aes=aes, engine=EchoEngine())
    citizen = svc.citizen()
    result = await citizen.say(typed)
    assert result.status == 200
    reply = safe_fromstring(result.body.encode())  # well-formed, or this raises
    if aes:
        assert citizen.safe_mode is not None
        reply = safe_fromstring(citizen.safe_mode.decrypt(reply.findtext("Encrypt") or ""))
    assert reply.tag == "xml"
    assert sorted(child.tag for child in reply) == sorted(
        ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]
    )
    assert reply.findtext("MsgType") == "text"
    assert reply.findtext("ToUserName") == citizen.openid
    assert reply.findtext("Content") == typed
    assert await svc.count("message") == 2 and await svc.count("delivery") == 1
