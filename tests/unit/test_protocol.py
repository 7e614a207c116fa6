"""The WeChat protocol pieces, including a published safe-mode test vector."""

from __future__ import annotations

import base64

import pytest

from bot.errors import BadWeChatRequest, ForgedRequest
from bot.wechat.protocol import (
    SafeMode,
    cdata_safe,
    check_signature,
    parse_xml_fields,
    render_text_reply,
    sign,
)

# Published vector (wechatpy's crypto tests, WeChat's sample key): token, EncodingAESKey, appid.
VECTOR_TOKEN = "123456"
VECTOR_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_APPID = "wx49f0ab532d5d035a"
VECTOR_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6y"
    "dJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/T"
    "ywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5"
    "t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
VECTOR_MSG_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
VECTOR_TIMESTAMP = "1411525903"
VECTOR_NONCE = "461056294"


def test_published_vector_signature_and_decryption():
    assert sign(VECTOR_TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_ENCRYPT) == VECTOR_MSG_SIGNATURE
    xml = SafeMode(VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID).decrypt(VECTOR_ENCRYPT)
    fields = parse_xml_fields(xml)
    assert fields["Content"] == "test"
    assert fields["FromUserName"] == "messense"
    assert fields["MsgType"] == "text"


def test_vector_with_another_appid_is_refused():
    with pytest.raises(BadWeChatRequest):
        SafeMode(VECTOR_TOKEN, VECTOR_KEY, "wxSOMEONEELSE").decrypt(VECTOR_ENCRYPT)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not base64 !!",
        base64.b64encode(b"x" * 7).decode(),
        base64.b64encode(b"x" * 33).decode(),
        base64.b64encode(bytes(32)).decode(),
        base64.b64encode(bytes(range(32)) * 3).decode(),
    ],
)
def test_every_decryption_failure_is_a_bad_request(garbage):
    with pytest.raises(BadWeChatRequest):
        SafeMode(VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID).decrypt(garbage)


def test_signature_is_checked_in_constant_time_and_refuses_near_misses():
    good = sign("tok", "1", "2")
    check_signature(("tok", "1", "2"), good)
    for bad in (None, "", good.upper(), good[:-1], good + "0", "签名"):
        with pytest.raises(ForgedRequest):
            check_signature(("tok", "1", "2"), bad)


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>',
        b'<!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><A>&b;</A></xml>',
        b"<!doctype xml><xml/>",
        b"<xml><A>unclosed</xml>",
        b"\xff\xfe\x00garbage",
        b"<notxml><A>1</A></notxml>",
    ],
)
def test_hostile_or_malformed_xml_is_refused(xml):
    with pytest.raises(BadWeChatRequest):
        parse_xml_fields(xml)


def test_cdata_terminator_in_user_text_cannot_escape_the_reply():
    hostile = "a]]><MsgType>news</MsgType><![CDATA[b"
    reply = render_text_reply("openid]]>x", "gh_account", hostile, 1_700_000_000)
    fields = parse_xml_fields(reply.encode())
    assert fields["Content"] == hostile
    assert fields["MsgType"] == "text"
    assert fields["ToUserName"] == "openid]]>x"
    assert cdata_safe("]]>") == "]]]]><![CDATA[>"


def test_encrypted_reply_round_trips_and_is_signed():
    mode = SafeMode(VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID)
    envelope = mode.encrypt_reply(render_text_reply("u", "gh", "您好", 1), "nonce1", "1411525903")
    fields = parse_xml_fields(envelope.encode())
    assert fields["MsgSignature"] == sign(VECTOR_TOKEN, "1411525903", "nonce1", fields["Encrypt"])
    assert parse_xml_fields(mode.decrypt(fields["Encrypt"]))["Content"] == "您好"
