"""POST /nlu/parse as outside clients use it, and the Rasa backend against a fake Rasa server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import ServiceFactory

TOKEN = "nlu-secret"


async def test_parse_api_answers_rasa_json(start_service: ServiceFactory):
    svc = await start_service(nlu_token=TOKEN)
    async with svc.http.post(
        f"{svc.url}/nlu/parse", params={"token": TOKEN}, json={"text": "转人工"}
    ) as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["intent"]["name"] == "request_human" and body["text"] == "转人工"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with svc.http.post(f"{svc.url}/nlu/parse", headers=headers, json={"text": "你好"}) as resp:
        assert resp.status == 200 and (await resp.json())["intent"]["name"] == "greet"


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [({}, {}, 401), ({"token": "wrong"}, {}, 401), ({}, {"Authorization": "Bearer wrong"}, 401)],
)
async def test_parse_api_needs_the_token(start_service: ServiceFactory, params, headers, status):
    svc = await start_service(nlu_token=TOKEN)
    async with svc.http.post(
        f"{svc.url}/nlu/parse", params=params, headers=headers, json={"text": "你好"}
    ) as r:
        assert r.status == status and "intent" not in await r.json()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"txt": "hi"}', 400),
        (b'{"text": 5}', 400),
        (b"[1]", 400),
        (b'{"text": "' + "长".encode() * 6000 + b'"}', 413),
        (b'{"text": "' + b"a" * 70000 + b'"}', 413),
    ],
)
async def test_parse_api_refuses_bad_bodies(start_service: ServiceFactory, body: bytes, status: int):
    svc = await start_service()
    async with svc.http.post(f"{svc.url}/nlu/parse", data=body) as resp:
        assert resp.status == status and "error" in await resp.json()


async def test_emoji_only_text_is_fallback(start_service: ServiceFactory):
    svc = await start_service()
    async with svc.http.post(f"{svc.url}/nlu/parse", json={"text": "🙏🙏"}) as resp:
        assert (await resp.json())["intent"]["name"] == "nlu_fallback"


class FakeRasa:
    """A small Rasa server: /model/parse answers a fixed intent, or fails, or is too slow."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/model/parse", self.parse)
        app.router.add_get("/status", self.status)
        return app

    async def parse(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append({"text": body["text"], "token": request.query.get("token")})
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(3)
        return web.json_response(
            {
                "text": body["text"],
                "intent": {"name": "consult_family", "confidence": 0.91},
                "entities": [],
                "intent_ranking": [{"name": "consult_family", "confidence": 0.91}],
            }
        )

    async def status(self, _request: web.Request) -> web.Response:
        if self.mode != "ok":
            return web.json_response({}, status=500)
        return web.json_response({"model_file": "fake.tar.gz"})


@pytest.fixture
async def fake_rasa(aiohttp_server):
    rasa = FakeRasa()
    server = await aiohttp_server(rasa.app())
    rasa.url = str(server.make_url("")).rstrip("/")  # type: ignore[attr-defined]
    return rasa


async def test_rasa_backend_answers_through_the_dialogue(start_service: ServiceFactory, fake_rasa):
    svc = await start_service(nlu_backend="rasa", rasa_url=fake_rasa.url, rasa_token="rasa-token")
    result = await svc.citizen().say("家里三口人 男人不给钱")
    assert result.reply_text is not None and "婚姻家庭" in result.reply_text  # the family guidance
    assert fake_rasa.calls[-1] == {"text": "家里三口人 男人不给钱", "token": "rasa-token"}
    async with svc.http.post(f"{svc.url}/nlu/parse", json={"text": "家里三口人"}) as resp:
        body = await resp.json()
    # Rasa's answer, plus the household size our extractor reads from Chinese numerals.
    assert body["intent"]["name"] == "consult_family"
    assert [e["value"] for e in body["entities"] if e["entity"] == "household_size"] == [3]
    async with svc.http.get(f"{svc.url}/readyz") as resp:
        assert resp.status == 200 and (await resp.json())["checks"]["nlu"].startswith("rasa")


@pytest.mark.parametrize("mode", ["error", "slow"])
async def test_rasa_outage_gets_a_polite_promise_and_the_consultation_waits(
    start_service: ServiceFactory, fake_rasa, mode: str
):
    svc = await start_service(nlu_backend="rasa", rasa_url=fake_rasa.url, nlu_timeout_seconds=0.5)
    fake_rasa.mode = mode
    citizen = svc.citizen()
    result = await citizen.say("老板不给工资")
    assert result.status == 200 and result.reply_text is not None and "已经保存" in result.reply_text
    [row] = await svc.rows("SELECT status, waiting_reason FROM consultation")
    assert (row.status, row.waiting_reason) == ("waiting_human", "nlu_unavailable")
    stored = await svc.scalar("SELECT text FROM message WHERE direction='in'")
    assert svc.unseal(stored, "message.text") == "老板不给工资"
    async with svc.http.get(f"{svc.url}/readyz") as resp:
        body = await resp.json()
    assert resp.status == 503 and body["checks"]["nlu"].startswith("down")
    async with svc.http.post(f"{svc.url}/nlu/parse", json={"text": "你好"}) as resp:
        assert resp.status == 503
