"""The courtesy screens and the client's side: the manager's texts (approval, editing
takes it away, preview, SMS count, hostile text), the next 7 days; a client's STOP,
START and replies; the survey on the salesperson's page and the month's figures."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.courtesy import surveys
from dispatcher.extensions import db
from dispatcher.models import ClientEvent, CourtesyTemplate, ManagerMessage, SurveyTask
from tests.app_setup import sign_in
from tests.courtesy_records import BIRTHDAY, a_client, a_template
from tests.factories import person
from tests.webhook_helpers import ALICE, reply_text, text_sms

CLIENT_PHONE = "+12025550161"


def _form(client, url):
    page = client.get(url)
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    return token.split('"')[0]


@pytest.fixture
def boss(client, office):
    return sign_in(client, "manager")


def _save(boss, url, **fields):
    data = {"kind": "birthday", "name": "Birthday", "body": "Happy birthday {client}",
            "project": "", **fields}
    return boss.post(url, data=data)


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_a_text_is_approved_by_the_manager_and_editing_takes_the_approval_away(boss, office):
    response = _save(boss, "/manager/courtesy/templates/new")
    assert response.status_code == 303
    template = db.session.scalar(select(CourtesyTemplate))
    assert template.approved_at is None
    page = boss.get(f"/manager/courtesy/templates/{template.id}").get_data(as_text=True)
    assert "Not approved: nothing of it goes out." in page
    boss.post(f"/manager/courtesy/templates/{template.id}/approve")
    db.session.refresh(template)
    assert template.approved_by == "manager"
    _save(boss, f"/manager/courtesy/templates/{template.id}", body="Happy birthday, {client}!")
    db.session.refresh(template)
    assert template.approved_at is None and template.body == "Happy birthday, {client}!"


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_bad_texts_are_refused_with_a_reason_and_nothing_saved(boss, office):
    unknown = _save(boss, "/manager/courtesy/templates/new", body="Hi {client.__class__} {price}")
    assert unknown.status_code == 422 and "Unknown placeholder {price}" in unknown.get_data(
        as_text=True
    )
    control = _save(boss, "/manager/courtesy/templates/new", body="Hi\x1b[2J {client}")
    assert control.status_code == 422
    undated = _save(boss, "/manager/courtesy/templates/new", kind="event")
    assert "give the day" in undated.get_data(as_text=True)
    friday = _save(boss, "/manager/courtesy/templates/new", kind="construction",
                   occasion_date="2026-05-08")
    assert "choose a Thursday" in friday.get_data(as_text=True)
    assert db.session.scalar(select(CourtesyTemplate)) is None


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_hostile_text_is_shown_as_text_and_previewed_with_a_real_client(boss, office):
    client = a_client(office, name="<b>Wei</b>", birthday=BIRTHDAY, project="Riverside")
    db.session.commit()
    hostile = '<script>alert(1)</script> {client} of {project}, from {salesperson}'
    _save(boss, "/manager/courtesy/templates/new", body=hostile)
    template = db.session.scalar(select(CourtesyTemplate))
    page = boss.get(f"/manager/courtesy/templates/{template.id}?client={client.id}")
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>Wei</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Wei&lt;/b&gt; of Riverside, " \
        "from Alice Chen" in html
    assert "1 SMS (GSM-7)" in html
    assert 'src="/static/courtesy.js"' in html and "<script>" not in html.replace(
        '<script src="', "")


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_the_length_is_counted_in_sms_segments(boss, office):
    _save(boss, "/manager/courtesy/templates/new", body="亲爱的客户您好!" * 9)  # 72 UCS-2
    template = db.session.scalar(select(CourtesyTemplate))
    html = boss.get(f"/manager/courtesy/templates/{template.id}").get_data(as_text=True)
    assert "72 UCS-2 characters, 2 SMS (UCS-2)" in html


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_the_next_seven_days_list_each_message_and_a_hold_keeps_it_back(boss, office):
    from dispatcher.clock import utcnow

    today = utcnow() + timedelta(days=2)
    client = a_client(office, birthday=today.date().replace(year=1980))
    a_template(office, name="Birthday greeting")
    db.session.commit()
    page = boss.get("/manager/courtesy").get_data(as_text=True)
    assert "Zhang Wei" in page and "S1" in page and "Birthday greeting" in page
    assert "1 planned" in page
    occasion = today.date()
    template = db.session.scalar(select(CourtesyTemplate))
    boss.post("/manager/courtesy/messages/hold", data={
        "client": client.id, "template": template.id, "occasion": occasion.isoformat(),
        "held": "1"})
    assert "1 held" in boss.get("/manager/courtesy").get_data(as_text=True)
    boss.post(f"/manager/courtesy/templates/{template.id}/hold", data={"held": "1"})
    db.session.refresh(template)
    assert template.held
    refused = boss.post("/manager/courtesy/messages/hold", data={
        "client": client.id, "template": template.id, "occasion": "2020-01-01", "held": "1"})
    assert refused.status_code == 303


@pytest.mark.twilio
def test_a_clients_stop_start_and_reply_are_recorded_and_the_reply_goes_to_the_owner(
    client, office, caplog
):
    someone = a_client(office)
    db.session.commit()
    caplog.set_level(logging.INFO)
    stop = text_sms(client, "Stop", sender=CLIENT_PHONE)
    assert "no more messages" in reply_text(stop)
    db.session.refresh(someone)
    assert someone.courtesy_opted_out
    text_sms(client, "START", sender=CLIENT_PHONE)
    db.session.refresh(someone)
    assert not someone.courtesy_opted_out
    answer = text_sms(client, "Yes, we will come to the open day", sender=CLIENT_PHONE)
    assert "salesperson will get back to you" in reply_text(answer)
    kinds = list(db.session.scalars(select(ClientEvent.kind).order_by(ClientEvent.id)))
    assert kinds == ["courtesy_stop", "courtesy_start", "client_reply"]
    reply = db.session.scalar(select(ClientEvent).where(ClientEvent.kind == "client_reply"))
    assert reply.detail == "Yes, we will come to the open day"
    assert reply.salesperson_id == person("Alice Chen").id
    forwarded = db.session.scalar(select(ManagerMessage))
    assert forwarded.to_number == ALICE
    assert forwarded.body == "Zhang Wei replied: Yes, we will come to the open day"
    assert not any("open day" in r.getMessage() for r in caplog.records)


@pytest.mark.twilio
def test_a_salespersons_own_reply_still_goes_to_their_pages(client, office):
    a_client(office, phone=ALICE)  # the salesperson's mobile is also a client's
    db.session.commit()
    answer = text_sms(client, "HELP", sender=ALICE)
    assert "Reply OK to take a page" in reply_text(answer)
    assert db.session.scalar(select(ClientEvent)) is None


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_the_survey_after_the_signing_is_on_the_owners_page_and_counted(client, office):
    from dispatcher.clock import utcnow

    now = utcnow()
    a_client(office, name="Li Na", contract_signed_at=now - timedelta(days=1))
    assert surveys.write_surveys(db.session, office, now) == 1
    assert surveys.write_surveys(db.session, office, now) == 0
    db.session.commit()
    sign_in(client, "alice")
    page = client.get("/me").get_data(as_text=True)
    assert "Phone surveys" in page and "Li Na" in page
    task = db.session.scalar(select(SurveyTask))
    assert client.post(f"/me/surveys/{task.id}/done").status_code == 303
    db.session.refresh(task)
    assert task.done_at is not None
    assert "Phone surveys" not in client.get("/me").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, "manager")
    dashboard = client.get("/manager/dashboard").get_data(as_text=True)
    row = dashboard.split('id="courtesy-month"')[1].split("Alice Chen</td>")[1].split("</tr>")[0]
    assert row.count('class="num">') == 4 and '<td class="num">1</td>' in row


def test_a_salesperson_may_not_mark_anothers_survey(client, office):
    from dispatcher.clock import utcnow

    now = utcnow()
    a_client(office, owner="Bruno Diaz", contract_signed_at=now - timedelta(days=1))
    surveys.write_surveys(db.session, office, now)
    db.session.commit()
    sign_in(client, "alice")
    task = db.session.scalar(select(SurveyTask))
    assert client.post(f"/me/surveys/{task.id}/done").status_code == 404
