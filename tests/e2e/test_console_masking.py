"""The console shows phone and ID numbers masked; opening them is a look of its own in the audit."""

from __future__ import annotations

from bot.clock import MovableClock
from tests.conftest import WORKDAY_MORNING, ServiceFactory

PHONE = "13987651234"
ID_NUMBER = "150204198807150027"


async def test_numbers_are_masked_in_the_queue_and_the_item_until_opened(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    citizen = svc.citizen()
    await citizen.say(f"老板欠我工资，我电话{PHONE}，身份证{ID_NUMBER}，欠了3000元")
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    listed = str(item)
    assert PHONE not in listed and ID_NUMBER not in listed
    assert "139****1234" in listed  # the consultant still sees whose number it is

    base = f"/api/handoffs/{item['id']}"
    assert (await console.post(f"{base}/claim"))[0] == 200
    assert (await console.post(f"{base}/notes", {"text": f"身份证{ID_NUMBER}已核对"}))[0] == 200
    status, shown = await console.get(base)
    assert status == 200 and shown["masked"] is True
    said = [line["text"] for line in shown["transcript"] if line["author"] == "citizen"]
    assert "老板欠我工资，我电话139****1234，身份证1502**********0027，欠了3000元" in said
    assert shown["notes"][0]["text"] == "身份证1502**********0027已核对"
    assert PHONE not in str(shown) and ID_NUMBER not in str(shown)

    status, opened = await console.get(base, reveal="true")
    assert status == 200 and opened["masked"] is False
    assert f"老板欠我工资，我电话{PHONE}，身份证{ID_NUMBER}，欠了3000元" in [
        line["text"] for line in opened["transcript"]
    ]
    assert opened["notes"][0]["text"] == f"身份证{ID_NUMBER}已核对"

    looks = await svc.rows(
        "SELECT action, object_id FROM audit_entry WHERE object_type = 'handoff' AND action != 'list_handoffs'"
        " ORDER BY id"
    )
    actions = [(r.action, r.object_id) for r in looks]
    assert actions.count(("reveal_handoff", str(item["id"]))) == 1
    assert ("view_handoff", str(item["id"])) in actions


async def test_an_item_without_numbers_has_nothing_to_open(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资")
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    status, shown = await console.get(f"/api/handoffs/{item['id']}")
    assert status == 200 and shown["masked"] is False


async def test_a_malformed_reveal_flag_is_refused(start_service: ServiceFactory):
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["general"])
    citizen = svc.citizen()
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    status, body = await console.get(f"/api/handoffs/{item['id']}", reveal="please")
    assert status == 422 and "reveal" in str(body)
    assert await svc.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'reveal_handoff'") == 0


async def test_a_number_at_the_cut_of_the_summary_is_not_shown_in_part(start_service: ServiceFactory):
    """The summary quotes the first 80 characters; half a phone number there would escape masking."""
    svc = await start_service(clock=MovableClock(WORKDAY_MORNING))
    await svc.add_account("zhang", specialties=["labor", "general"])
    citizen = svc.citizen()
    await citizen.say("老板拖欠我三个月工资一直不给，" * 4 + f"请联系我，我的手机号是{PHONE}谢谢")
    await citizen.say("转人工")
    console = await svc.console("zhang")
    [item] = await console.queue(status="open")
    shown = str(item)
    assert all(PHONE[:n] not in shown for n in range(5, 12))  # no leading part of the number
