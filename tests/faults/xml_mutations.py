"""Real WeChat messages broken the ways bodies break, for the edge fuzz: the test suite's bounded
run (test_xml_fuzz.py) and the long one in benchmarks/edge_fuzz.py draw from the same generator."""

from __future__ import annotations

import random
from collections.abc import Callable

from bot.wechat.citizen_simulator import CitizenSimulator

FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event",
          "MediaId", "Recognition", "Location_X", "Location_Y", "Scale", "Label", "Url", "Title",
          "PicUrl", "Format", "EventKey", "Encrypt"]  # fmt: skip
JUNK = ["<", ">", "&", "&amp;", "]]>", "<![CDATA[", "\x00", "\ufffd", "💥", "<xml>", "</xml>", "<a/>"]


def mutation(citizen: CitizenSimulator, rng: random.Random) -> str:
    """A real message of this citizen's (its own MsgId), broken the ways bodies break: cut,
    junk inserted, tags swapped, reversed tails, oversized elements."""
    real: list[Callable[[], str]] = [
        lambda: citizen.text_xml("你好"),
        lambda: citizen.voice_xml("我要转人工"),
        lambda: citizen.image_xml("media_1"),
        lambda: citizen.location_xml(),
        lambda: citizen.event_xml("subscribe"),
    ]
    xml = rng.choice(real)()
    for _ in range(rng.randint(1, 3)):
        cut = rng.randrange(len(xml) + 1)
        kind = rng.randrange(5)
        if kind == 0:
            xml = xml[:cut]
        elif kind == 1:
            xml = xml[:cut] + rng.choice(JUNK) + xml[cut:]
        elif kind == 2:
            xml = xml.replace(rng.choice(FIELDS), rng.choice(FIELDS), 1)
        elif kind == 3:
            xml = xml[:cut] + xml[cut:][::-1]
        else:
            xml = xml[:cut] + "<Extra>" + "x" * rng.randint(0, 2000) + "</Extra>" + xml[cut:]
    return xml
