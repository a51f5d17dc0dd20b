"""Issue #13, item 10: callers' numbers kept out of access logs and old records, and the
files that hold them readable by their owner only.

- The console's caller look-up takes the number in a POST body, never in the URL.
- Call and SMS records keep the caller's number and what the office answered (a client's
  name and number) for CALL_RECORD_RETENTION_DAYS; the clock process blanks them after.
- The instance folder, the SQLite file, the development key and the embedded Redis's
  data are the owner's only.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, text

from callbacks.voice import render
from dispatcher import create_app, embedded_redis
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import calls
from dispatcher.models import InboundCall, InboundMessage
from dispatcher.sms.outbox import development_auth_token
from tests.factories import paged_lead
from tests.webhook_helpers import (
    ALICE,
    COORDINATOR,
    STRANGER,
    call_params,
    count,
    post_signed,
    state,
    stubs,
)
from workers.sweeper import forget_old_details

DETAILS = "<Response><Say>The client is Mrs Example. Their number is 5550188.</Say></Response>"

pytestmark = pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def ring(client, sender: str, **extra):
    """A call signed as the development phone signs (development mode, no Twilio)."""
    params = call_params(sender, **extra)
    return post_signed(client, "/twilio/voice", params, token=development_auth_token())


def call_record(sid: str, *, days_ago: float, from_number: str = ALICE, twiml: str = DETAILS):
    calls.remember_call(
        session=db.session,
        call_sid=sid,
        from_number=from_number,
        now=utcnow() - timedelta(days=days_ago),
        plan=calls.CallPlan("salesperson_details"),
        twiml=twiml,
    )


def sms_record(sid: str, *, days_ago: float, reply: str = "Mrs Example, 202-555-0188"):
    db.session.add(
        InboundMessage(
            message_sid=sid,
            from_number=ALICE,
            received_at=utcnow() - timedelta(days=days_ago),
            outcome="acknowledged",
            reply=reply,
        )
    )


# -- the caller look-up -------------------------------------------------------------------


def test_the_look_up_never_takes_the_number_in_the_url(coordinator, office):
    assert coordinator.get("/callers/lookup?phone=202-555-0188").status_code == 405
    by_form = coordinator.post("/callers/lookup", data={"phone": "202-555-0188"})
    assert by_form.json == {"known": False, "complete": True, "previous_leads": 0, "name": ""}
    assert coordinator.post("/callers/lookup", json=["202-555-0188"]).json["complete"] is False


@pytest.mark.parametrize("settings", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_the_console_sends_the_look_up_with_its_csrf_token_in_a_header(client, office):
    def meta_token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        [token] = re.findall(r'<meta name="csrf-token" content="([^"]+)">', page)
        return token

    signed_in = client.post(
        "/sign-in",
        data={"username": "coordinator", "password": "demo-password"},
        headers={"X-CSRFToken": meta_token("/sign-in")},
    )
    assert signed_in.status_code == 302
    meta = meta_token("/")

    refused = client.post("/callers/lookup", json={"phone": "202-555-0188"})
    answered = client.post(
        "/callers/lookup", json={"phone": "202-555-0188"}, headers={"X-CSRFToken": meta}
    )

    assert refused.status_code == 400
    assert answered.status_code == 200 and answered.json["complete"] is True


# -- retention of call and SMS records ----------------------------------------------------


def test_old_records_lose_the_callers_number_and_the_answer(client, office):
    ring(client, STRANGER, CallSid="CA" + "a" * 32)
    db.session.execute(
        InboundCall.__table__.update().values(received_at=utcnow() - timedelta(days=31))
    )
    call_record("CA" + "b" * 32, days_ago=30.5)
    call_record("CA" + "c" * 32, days_ago=29)  # within the 30 days: kept whole
    sms_record("SM" + "d" * 32, days_ago=45)
    sms_record("SM" + "e" * 32, days_ago=1)
    db.session.commit()

    assert forget_old_details() == 3
    assert forget_old_details() == 0  # nothing left to blank

    db.session.expire_all()
    kept = {
        r.call_sid[2]: (r.from_number, r.twiml) for r in db.session.scalars(select(InboundCall))
    }
    assert kept["a"] == ("", "") and kept["b"] == ("", "")
    assert kept["c"] == (ALICE, DETAILS)
    replies = {
        r.message_sid[2]: (r.from_number, r.reply)
        for r in db.session.scalars(select(InboundMessage))
    }
    assert replies == {"d": ("", ""), "e": (ALICE, "Mrs Example, 202-555-0188")}
    assert [stub.caller_phone for stub in stubs()] == [STRANGER]  # the lead is the record


@pytest.mark.parametrize("settings", [{"CALL_RECORD_RETENTION_DAYS": 2}], indirect=True)
def test_the_retention_is_a_setting(client, office):
    call_record("CA" + "b" * 32, days_ago=3)
    call_record("CA" + "c" * 32, days_ago=1)
    db.session.commit()

    assert forget_old_details() == 1


def test_a_redelivery_after_the_details_are_gone_changes_nothing_and_reads_out_nothing(
    app, client, office
):
    paged = paged_lead(office)  # Alice's page, open
    before = state(paged)
    sid = "CA" + "f" * 32
    call_record(sid, days_ago=40)
    db.session.commit()
    forget_old_details()

    response = ring(client, ALICE, CallSid=sid)

    assert response.status_code == 200
    answer = response.get_data(as_text=True)
    assert "Mrs Example" not in answer and "Hello" not in answer
    lines = calls.lines_for_office(app.config, session=db.session, office=office)
    plan = calls.plan_without_records(lines=lines, now=utcnow())
    assert answer == render(plan)
    assert state(paged) == before and count(InboundCall) == 1


def test_the_clock_process_blanks_old_records_as_part_of_its_sweep(app, office):
    call_record("CA" + "b" * 32, days_ago=31)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["sweep", "--once"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(InboundCall.twiml)) == ""


# -- files readable by their owner only ---------------------------------------------------


def test_the_instance_folder_and_the_sqlite_file_are_the_owners_only(
    settings, tmp_path, monkeypatch
):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": None})
    with app.app_context():
        db.session.execute(text("CREATE TABLE probe (x INTEGER)"))
        db.session.commit()
        files = sorted(os.listdir(instance))
        modes = {name: mode(instance / name) for name in files}
        db.session.remove()
        db.engine.dispose()

    assert mode(instance) == 0o700
    assert "dispatch.sqlite" in files and "development-secret-key" in files
    folders = {name for name in files if (instance / name).is_dir()}
    assert {modes[name] for name in files if name not in folders} == {0o600}, modes
    # The compiled catalogues' folder: its owner's only too.
    assert {modes[name] for name in folders} <= {0o700}, modes


def test_the_embedded_redis_keeps_its_data_file_private():
    folder = tempfile.mkdtemp(prefix="redis-")  # short: a unix socket path has a limit
    process = embedded_redis.start(folder)
    try:
        redis.Redis.from_url(embedded_redis.url(folder)).save()
        assert mode(os.path.join(folder, "redis.rdb")) == 0o600
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
