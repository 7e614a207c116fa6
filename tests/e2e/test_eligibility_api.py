"""POST /api/eligibility over real HTTP, on a small app with only the eligibility routes.

The service-level test (the route wired into bot/app.py) lives with the app wiring.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.center.rules_file import load_rulebook
from bot.public_api.eligibility import eligibility_routes
from bot.settings import REPO_ROOT

URL = "/api/eligibility"
SPEC_EXAMPLE = {
    "matter": "labor_remuneration",
    "person_categories": ["minimum_living_allowance"],
    "household_size": 3,
    "household_monthly_income": 4200,
    "district": "昆都仑区",
    "commitment_signed": False,
    "case_flags": [],
    "defendant_flags": [],
}


@pytest.fixture
async def client(aiohttp_client: Any) -> TestClient[Any, Any]:
    rulebook = load_rulebook(REPO_ROOT / "data" / "eligibility_rules.yml")
    app = web.Application()
    app.router.add_routes(eligibility_routes(lambda: rulebook))
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


async def post(client: TestClient[Any, Any], body: object) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    async with client.post(URL, data=data, headers={"Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json()


async def test_spec_example_answers_with_the_decision_and_its_sources(client: TestClient[Any, Any]) -> None:
    status, body = await post(client, SPEC_EXAMPLE)
    assert status == 200
    assert list(body) == ["decision", "hardship", "route", "reasons", "missing"]
    assert (body["decision"], body["hardship"], body["route"], body["missing"]) == (
        "eligible",
        "exempt",
        "apply",
        [],
    )
    assert [(r["rule"], r["source"]) for r in body["reasons"]] == [
        ("matter.labor_remuneration", "Law art. 31(5)"),
        ("person.minimum_living_allowance", "002 §4.2 d; Law art. 42(2)"),
    ]
    assert all(set(r) == {"rule", "source", "text"} and r["text"] for r in body["reasons"])


async def test_money_is_compared_exactly_over_http(client: TestClient[Any, Any]) -> None:
    """The JSON number 6810.03 reaches the rules as a Decimal, not a float."""
    case = {"matter": "maintenance", "household_size": 3}
    raw_at = b'{"matter": "maintenance", "household_size": 3, "household_monthly_income": 6810.00}'
    assert (await post(client, raw_at))[1]["hardship"] == "passed"
    status, body = await post(client, {**case, "household_monthly_income": 6810.03})
    assert (status, body["decision"], body["hardship"], body["route"]) == (
        200,
        "ineligible",
        "failed",
        "legal_advice",
    )


async def test_needs_more_info_names_the_missing_figures(client: TestClient[Any, Any]) -> None:
    status, body = await post(
        client, {"matter": "maintenance", "household_size": 2, "commitment_signed": True}
    )
    assert status == 200
    assert (body["decision"], body["hardship"], body["route"], body["missing"]) == (
        "needs_more_info",
        "unknown",
        "apply",
        ["household_monthly_income"],
    )


async def test_defendant_flag_routes_to_notified_assignment(client: TestClient[Any, Any]) -> None:
    status, body = await post(client, {"matter": "criminal_suspect_defense", "defendant_flags": ["minor"]})
    assert (status, body["decision"], body["hardship"], body["route"]) == (
        200,
        "eligible",
        "not_required",
        "notify_assignment",
    )


INVALID = [
    ({}, "matter"),
    ({"matter": "divorce"}, "matter"),
    ({"matter": 7}, "matter"),
    ({"matter": "maintenance", "person_categories": ["rich"]}, "person_categories"),
    ({"matter": "maintenance", "household_size": 0}, "household_size"),
    ({"matter": "maintenance", "household_size": 2.5}, "household_size"),
    ({"matter": "maintenance", "household_size": "3"}, "household_size"),
    ({"matter": "maintenance", "household_size": True}, "household_size"),
    ({"matter": "maintenance", "household_monthly_income": -1}, "household_monthly_income"),
    ({"matter": "maintenance", "household_monthly_income": "4200"}, "household_monthly_income"),
    ({"matter": "maintenance", "household_monthly_income": False}, "household_monthly_income"),
    ({"matter": "maintenance", "district": "朝阳区"}, "district"),
    ({"matter": "maintenance", "commitment_signed": "true"}, "commitment_signed"),
    ({"matter": "maintenance", "case_flags": ["car_accident"]}, "case_flags"),
    ({"matter": "maintenance", "defendant_flags": ["minor"]}, "defendant_flags"),
    ({"matter": "criminal_suspect_defense", "defendant_flags": ["old"]}, "defendant_flags"),
    ({"matter": "maintenance", "salary": 3000}, "salary"),
    (["maintenance"], "body"),
    ("maintenance", "body"),
    (None, "body"),
]


@pytest.mark.parametrize(("body", "field"), INVALID)
async def test_invalid_case_is_422_naming_the_field(
    client: TestClient[Any, Any], body: object, field: str
) -> None:
    status, answer = await post(client, body)
    assert status == 422
    assert set(answer) == {"error", "field", "detail"}
    assert (answer["error"], answer["field"]) == ("invalid_case", field)
    assert answer["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{not json",
        b'{"matter": "maintenance",}',
        '{"matter": "maintenance"}'.encode("utf-16"),
        b'{"matter": "maintenance", "household_monthly_income": NaN}',
        b'{"matter": "maintenance", "household_monthly_income": Infinity}',
        b"[" * 50_000 + b"]" * 50_00,
        b'{"matter": "maintenance", "household_size": ' + b"9" * 5000 + b"}",
    ],
)
async def test_a_body_that_is_not_json_is_400(client: TestClient[Any, Any], raw: bytes) -> None:
    status, answer = await post(client, raw)
    assert status == 400
    assert answer["error"] == "bad_json"


async def test_extreme_numbers_are_answered_not_crashed(client: TestClient[Any, Any]) -> None:
    base = b'{"matter": "maintenance", "household_size": %s, "household_monthly_income": %s}'
    for size, income, expected in [
        (b"1", b"1e999999999999999999999", 422),  # beyond what Decimal holds
        (b"1", b"1e400", 200),
        (b"1", b"1e-400", 200),
        (b"1" + b"0" * 4000, b"1", 200),
        (b"3", b"-0.0", 200),
    ]:
        status, answer = await post(client, base % (size, income))
        assert status == expected, (size, income, answer)


async def test_a_body_over_64_kib_is_413(client: TestClient[Any, Any]) -> None:
    body = {"matter": "maintenance", "district": "昆都仑区", "pad": "x" * (64 * 1024)}
    status, answer = await post(client, body)
    assert (status, answer["error"]) == (413, "too_large")


async def test_a_chunked_body_over_64_kib_is_413(client: TestClient[Any, Any]) -> None:
    async def chunks() -> Any:
        yield b'{"matter": "maintenance", "pad": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    async with client.post(URL, data=chunks()) as resp:
        assert resp.status == 413
        assert (await resp.json())["error"] == "too_large"


async def test_a_body_of_exactly_64_kib_is_read(client: TestClient[Any, Any]) -> None:
    head = b'{"matter": "maintenance", "district": "' + "昆都仑区".encode() + b'"'
    raw = head + b" " * (64 * 1024 - len(head) - 1) + b"}"
    assert len(raw) == 64 * 1024
    status, body = await post(client, raw)
    assert (status, body["decision"]) == (200, "needs_more_info")


async def test_only_post(client: TestClient[Any, Any]) -> None:
    async with client.get(URL) as resp:
        assert resp.status == 405


async def test_no_bad_input_gets_a_500(client: TestClient[Any, Any]) -> None:
    bodies: list[bytes] = [json.dumps(b).encode() for b, _ in INVALID]
    bodies += [b"\xff\xfe", b"null", b"0", b'"x"', b"{}", b'{"matter": {"code": "maintenance"}}']
    bodies += [b'{"matter": "maintenance", "household_monthly_income": 1e309}']
    for raw in bodies:
        async with client.post(URL, data=raw) as resp:
            assert resp.status in {200, 400, 413, 422}, raw
            assert resp.content_type == "application/json"
