"""The SMS outage switch (issue item 6): pages to several salespeople not delivered within
minutes turn it on (the manager told once, a banner on the board); a delivered page turns
it off. The receipts are signed as Twilio signs them; the clock is the webhook's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import ManagerChange, ManagerMessage, Office, Page
from tests.app_setup import sign_in
from tests.factories import T0, paged_lead
from tests.webhook_helpers import post_signed, receipt, receipt_params
from workers import jobs

pytestmark = pytest.mark.twilio


@pytest.fixture
def at(monkeypatch):
    """The status webhook's clock."""

    def set_to(moment):
        monkeypatch.setattr("callbacks.status.utcnow", lambda: moment)

    set_to(T0)
    return set_to


def sid_of(page_id: int) -> str:
    return db.session.get(Page, page_id).message_sid


def three_pages(office) -> list[int]:
    """Three leads, each paged to the next salesperson of the rotation."""
    pages = [paged_lead(office, caller_phone=f"(202) 555-01{n}0").page for n in (2, 3, 4)]
    people = {db.session.get(Page, page).salesperson_id for page in pages}
    assert len(people) == 3
    return pages


def an_open_page_sent() -> Page:
    """One of the pages the failures passed the leads on to, sent by the send job."""
    db.session.expire_all()
    page = db.session.scalars(select(Page).where(Page.state == "open").order_by(Page.id)).first()
    assert jobs.send_page(page.id) == "sent"
    db.session.expire_all()
    return db.session.get(Page, page.id)


def outage_since(office):
    db.session.expire_all()
    return db.session.get(Office, office.id).sms_outage_since


def told_manager() -> list[str]:
    return [m.body for m in db.session.scalars(select(ManagerMessage)) if "voice call" in m.body]


def board(client) -> str:
    sign_in(client, "coordinator")
    return client.get("/board").get_data(as_text=True)


def test_failures_for_three_salespeople_within_minutes_turn_it_on_and_tell_the_manager_once(
    client, office, at
):
    first, second, third = three_pages(office)
    receipt(client, sid_of(first), "undelivered", ErrorCode="30003")
    at(T0 + timedelta(minutes=2))
    receipt(client, sid_of(second), "failed", ErrorCode="30007")
    assert outage_since(office) is None
    assert "data-sms-outage" not in board(client)

    at(T0 + timedelta(minutes=4))
    receipt(client, sid_of(third), "undelivered", ErrorCode="30003")

    assert outage_since(office) == T0 + timedelta(minutes=4)
    assert len(told_manager()) == 1
    assert "pages go by voice call" in board(client)
    [change] = db.session.scalars(select(ManagerChange).where(ManagerChange.kind == "sms_outage"))
    assert "3 or more salespeople within 5 minutes" in change.detail

    # The same receipt again, and a fourth failure: the manager is not told again.
    receipt(client, sid_of(third), "undelivered", ErrorCode="30003")
    receipt(client, an_open_page_sent().message_sid, "undelivered", ErrorCode="30003")
    assert len(told_manager()) == 1


def test_failures_spread_over_more_than_the_window_leave_it_off(client, office, at):
    first, second, third = three_pages(office)
    receipt(client, sid_of(first), "undelivered", ErrorCode="30003")
    at(T0 + timedelta(minutes=3))
    receipt(client, sid_of(second), "undelivered", ErrorCode="30003")
    at(T0 + timedelta(minutes=6))  # the first is out of the 5 minutes
    receipt(client, sid_of(third), "undelivered", ErrorCode="30003")

    assert outage_since(office) is None
    assert told_manager() == []


@pytest.mark.settings(OUTAGE_FAILURES=2, OUTAGE_WINDOW_MINUTES=1)
def test_the_settings_say_how_many_and_how_soon(client, office, at):
    first, second, _ = three_pages(office)
    receipt(client, sid_of(first), "undelivered", ErrorCode="30003")
    at(T0 + timedelta(seconds=50))
    receipt(client, sid_of(second), "undelivered", ErrorCode="30003")
    assert outage_since(office) == T0 + timedelta(seconds=50)


def test_a_delivered_page_turns_it_off_and_the_banner_goes(client, office, at):
    first, second, third = three_pages(office)
    for page in (first, second, third):
        receipt(client, sid_of(page), "undelivered", ErrorCode="30003")
    assert outage_since(office) is not None
    still_open = an_open_page_sent()

    at(T0 + timedelta(minutes=10))
    receipt(client, still_open.message_sid, "delivered")

    assert outage_since(office) is None
    assert "data-sms-outage" not in board(client)
    kinds = list(db.session.scalars(select(ManagerChange.kind)))
    assert kinds.count("sms_outage") == kinds.count("sms_outage_over") == 1


def test_a_forged_receipt_is_refused_and_moves_nothing(client, office, at):
    first, second, third = three_pages(office)
    for page in (first, second):
        receipt(client, sid_of(page), "undelivered", ErrorCode="30003")
    params = receipt_params(sid_of(third), "undelivered", ErrorCode="30003")
    forged = post_signed(client, "/twilio/status", params, token="0" * 32)
    assert forged.status_code == 403
    assert outage_since(office) is None


def test_a_chinese_managers_outage_notice_is_in_the_offices_language(client, office, at):
    """Issue 18: the manager's SMS in the office's language; the change log keeps its entry."""
    office.language = "zh_Hans"
    db.session.commit()
    first, second, third = three_pages(office)

    for page in (first, second, third):
        receipt(client, sid_of(page), "undelivered", ErrorCode="30003")

    told = [m.body for m in db.session.scalars(select(ManagerMessage)) if "语音来电" in m.body]
    assert told == [
        "5 分钟内有 3 位或以上销售员的短信传呼未能送达：在短信恢复送达前，传呼改以语音来电发出。"
    ]
    [change] = db.session.scalars(select(ManagerChange).where(ManagerChange.kind == "sms_outage"))
    assert "3 or more salespeople within 5 minutes" in change.detail
