"""Every message type over HTTP, signed (and AES-encrypted) as WeChat sends it."""

from __future__ import annotations

import pytest

from tests.conftest import ServiceFactory

pytestmark = pytest.mark.parametrize("aes", [True, False], ids=["aes", "plain"])


async def test_subscribe_gets_the_welcome_with_rights_and_complaint_phone(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    result = await citizen.send(citizen.event_xml("subscribe"))
    assert result.status == 200
    assert result.reply_text is not None
    assert "权利和义务" in result.reply_text
    assert "投诉" in result.reply_text
    assert "转人工" in result.reply_text
    if aes:
        assert "<Encrypt>" in result.body and "权利" not in result.body


async def test_text_is_recorded_before_it_is_answered(start_service: ServiceFactory, aes: bool):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    result = await citizen.say("老板欠了我三个月工资")
    assert result.reply_text is not None and "劳动" in result.reply_text
    counts = await svc.counts()
    assert counts["message"] == 2  # the citizen's turn and the bot's
    assert counts["delivery"] == 1
    assert counts["citizen"] == 1


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda c: c.voice_xml("我想咨询离婚的事"), "冷静期"),
        (lambda c: c.voice_xml(""), "文字或语音"),
        (lambda c: c.image_xml(), "图片已收到"),
        (lambda c: c.location_xml(), "位置已收到"),
        (lambda c: c.link_xml(), "链接已收到"),
        (lambda c: c.event_xml("CLICK", "MENU_HELP"), "收到"),
        (lambda c: c.event_xml("SCAN", "123"), "欢迎"),
        (lambda c: c._xml("video", {"MediaId": "v1", "ThumbMediaId": "t1"}), "文字或语音"),
        (lambda c: c._xml("miniprogrampage", {"Title": "x"}), "文字或语音"),
        (lambda c: c._xml("hologram", {"Beam": "x"}), "文字或语音"),
    ],
    ids=[
        "voice",
        "voice-unrecognised",
        "image",
        "location",
        "link",
        "click",
        "scan",
        "video",
        "miniprogram",
        "unknown",
    ],
)
async def test_each_message_type_gets_a_fitting_reply(
    start_service: ServiceFactory, aes: bool, build, expected
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    result = await citizen.send(build(citizen))
    assert result.status == 200
    assert result.reply_text is not None and expected in result.reply_text


async def test_unsubscribe_and_view_are_recorded_without_reply(start_service: ServiceFactory, aes: bool):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    for event in ("VIEW", "unsubscribe"):
        result = await citizen.send(citizen.event_xml(event, "http://x.invalid"))
        assert result.status == 200 and result.body == "success"
    assert await svc.count("message") == 2
    assert await svc.count("delivery") == 0


async def test_user_text_with_cdata_terminator_cannot_break_the_reply(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    result = await citizen.say("]]><MsgType>news</MsgType><![CDATA[")
    assert result.status == 200 and result.reply_text is not None
    stored = svc.unseal(await svc.scalar("SELECT text FROM message WHERE direction='in'"), "message.text")
    assert stored == "]]><MsgType>news</MsgType><![CDATA["


async def test_server_verification_echoes_only_for_a_valid_signature(
    start_service: ServiceFactory, aes: bool
):
    svc = await start_service(aes=aes)
    citizen = svc.citizen()
    params, _ = citizen.signed("<xml/>", encrypt=False)
    params["echostr"] = "8573904573"
    async with svc.http.get(svc.url + "/wechat", params=params) as resp:
        assert resp.status == 200 and await resp.text() == "8573904573"
    params["signature"] = "0" * 40
    async with svc.http.get(svc.url + "/wechat", params=params) as resp:
        assert resp.status == 403 and "8573904573" not in await resp.text()
