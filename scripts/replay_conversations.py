"""Replay the conversations an issue quotes against a running service; print the transcripts.

    python scripts/replay_conversations.py --url http://127.0.0.1:18080 --fake-url http://127.0.0.1:18081

Start the service first (e.g. `legalaid demo --no-chat --port 18080 --fake-port 18081` in the
checkout to show). Each conversation is a new citizen; the bot's words are the passive reply and
then whatever reached the fake WeChat API for that citizen. Used to put "before" and "after"
transcripts in an issue's closing note; it only speaks the WeChat protocol, so it works against
any version of the service.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets

import aiohttp

from bot.wechat.citizen_simulator import CitizenSimulator

CONVERSATIONS: dict[str, list[str]] = {
    "problem and aid question": ["老板拖欠我三个月工资，我能申请法律援助吗"],
    "the interview asks what was said": ["老板欠我工资", "1"],
    "one person's pay": ["我能申请法律援助吗", "1", "1", "都不是，三口人，我一个月挣3000"],
    "a menu answered in words": ["我能申请法律援助吗", "都不是，我的事是生意合同纠纷"],
    "district asked for (昆区)": ["法律援助中心在哪", "昆区"],
    "district asked for (青山)": ["法律援助中心在哪", "青山"],
    "district asked for (我在土右旗)": ["法律援助中心在哪", "我在土右旗"],
    "not a district": ["法律援助中心在哪", "青山绿水"],
    "divorce": ["离婚"],
    "violence": ["我老公喝了酒就打我"],
    "a son detained": ["我儿子被警察抓了"],
    "a smiley after the offer": ["？？？", "[微笑]"],
    "a key mash": ["asdfgh"],
    "a bare number": ["5000"],
    "greeting and problem": ["你好 在吗 想问问离婚的事 他不同意离怎么办"],
    "human asked mid-interview": ["我能申请法律援助吗", "2", "2", "转人工"],
    # A fictional applicant: the ID number is valid (GB 11643) but belongs to nobody we know.
    "applying in the chat": [
        "我要申请法律援助",
        "1",
        "1",
        "农民工",
        "同意",
        "王秀兰",
        "15010219800512123X",
        "13912345678",
        "1",
        "老板欠我三个月工资，一共一万二，一直拖着不给",
        "包头某某建筑公司",
        "1",
        "/image demo_id_front",
        "/image demo_id_back",
        "好了",
        "跳过",
        "跳过",
        "改电话",
        "15047712345",
        "提交",
        "/image demo_dibao",
        "3",
        "我的申请怎么样了",
    ],
}


async def replay(url: str, fake_url: str, token: str, aes_key: str | None, only: str | None = None) -> None:
    async with aiohttp.ClientSession() as http:
        for title, lines in CONVERSATIONS.items():
            if only is not None and only not in title:
                continue
            citizen = CitizenSimulator(
                http, url, token=token, openid="o" + secrets.token_hex(13), aes_key=aes_key
            )
            print(f"\n### {title}\n")
            for line in lines:
                if line.startswith("/image "):
                    result = await citizen.send(citizen.image_xml(line.removeprefix("/image ")))
                else:
                    result = await citizen.say(line)
                print(f"> 市民：{line}")
                if result.reply_text:
                    print(_quoted(result.reply_text))
                await asyncio.sleep(0.6)  # replies after the passive one go out as customer-service messages
                async with http.get(f"{fake_url}/fake/sent", params={"touser": citizen.openid}) as resp:
                    sent = (await resp.json())["items"]
                for item in sent[getattr(citizen, "_seen", 0) :]:
                    print(_quoted(item.get("text") or f"[{item['api']}]"))
                citizen._seen = len(sent)  # type: ignore[attr-defined]


def _quoted(text: str) -> str:
    return "\n".join("    " + line for line in ("机器人：" + text).splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--fake-url", required=True)
    parser.add_argument("--token", default="legalaid-demo-token")
    parser.add_argument("--aes-key", default=None)
    parser.add_argument("--only", default=None, help="replay the conversations whose title has this")
    args = parser.parse_args()
    asyncio.run(replay(args.url, args.fake_url, args.token, args.aes_key, args.only))


if __name__ == "__main__":
    main()
