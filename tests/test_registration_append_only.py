"""No screen, API, webhook or command updates or deletes an entry of the registration log
or of a client's log (issue 16; docs/rules.md O3): every route of the app is asked with
every method it takes, as the office, as a salesperson and with a token, with forms
that do real work, and every command is run; after each, the two tables hold every row
they held, unchanged, and may only have grown.

The routes and commands come from the app itself, so a new one is walked without a line
here. Left out: the `db` group (alembic's: it changes the schema, not rows; a downgrade
drops the logs by design, an operator's decision)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.clients.corrections import CorrectedFacts, correct_registration
from dispatcher.extensions import db
from dispatcher.models import Client, ClientEvent, Lead, Registration
from dispatcher.sms.outbox import development_auth_token, new_sid
from tests.app_setup import sign_in
from tests.factories import T0, acknowledged, new_lead, person
from tests.webhook_helpers import (
    ALICE,
    STRANGER,
    call_params,
    post_signed,
    receipt_params,
    sms_params,
)

LOGS = (Registration.__table__, ClientEvent.__table__)

# What a form may ask for, filled so that the views act (log, assign, correct, report...).
FORM = {
    "caller_phone": "(202) 555-0190",
    "caller_name": "Mrs Walker",
    "caller_title": "Mrs",
    "kind": "buyer",
    "channel": "call",
    "need": "A flat",
    "phone": "(202) 555-0191",
    "reason": "duplicate",
    "outcome": "appointment_set",
    "name": "Hana Kim",
    "mobile": "(202) 555-0120",
    "skills": "listing",
    "status": "busy",
    "direction": "up",
    "pin": "4826",
    "confirm": "4826",
    "body": "OK",
    "back": "board",
    "from_number": "(202) 555-0192",
    "ownership_lapse_days": "20",
    "target_area": "",
}


def snapshot() -> dict[str, dict[int, tuple]]:
    """Every row of the two logs, by id (Core reads: nothing cached by the session)."""
    return {
        table.name: {row.id: tuple(row) for row in db.session.execute(table.select())}
        for table in LOGS
    }


def assert_only_grown(before: dict, after: dict, what: str) -> None:
    for table, rows in before.items():
        kept = after[table]
        assert set(rows) <= set(kept), f"{what} deleted from {table}"
        changed = [row_id for row_id, row in rows.items() if kept[row_id] != row]
        assert not changed, f"{what} changed {table} rows {changed}"


@pytest.fixture
def records(office):
    """Calls registered, called back and reported on; one invalid, then completed."""
    first = new_lead(office, caller_name="Mrs Example")
    acknowledged(first, T0)
    invalid = new_lead(
        office, now=T0 + timedelta(minutes=5), caller_name="Example", caller_phone="2025550171"
    )
    acknowledged(invalid, T0 + timedelta(minutes=6))
    new_lead(office, now=T0 + timedelta(minutes=7), caller_name="Quill", caller_phone="2025550172")
    entry = db.session.scalar(select(Registration).where(Registration.lead_id == invalid.id))
    correct_registration(
        db.session,
        office=office,
        original=entry,
        facts=CorrectedFacts(caller_name="Mrs Example", phone="+12025550171"),
        actor="coordinator",
        now=T0 + timedelta(minutes=8),
        region="US",
    )
    db.session.commit()


def url_values(rule) -> list[dict]:
    """Values for the rule's parameters: each lead, each entry of the log, Alice."""
    ids = {
        "lead_id": list(db.session.scalars(select(Lead.id))),
        "entry_id": list(db.session.scalars(select(Registration.id))),
        "salesperson_id": [person("Alice Chen").id],
        "client_id": list(db.session.scalars(select(Client.id))),
        "filename": ["app.css"],
    }
    found = [{}]
    for name in rule.arguments:
        # Any other id (a later screen's): the first record of its kind is id 1.
        found = [{**values, name: value} for values in found for value in ids.get(name, [1])]
    return found


def webhook_params(endpoint: str) -> list[dict]:
    call = new_sid("CA")
    return {
        "callbacks.inbound_sms": [
            sms_params("OK", ALICE),
            sms_params("DONE 1 appointment set", ALICE),
            sms_params("PASS", ALICE),
            sms_params("hello", STRANGER),
        ],
        "callbacks.message_status": [receipt_params(new_sid(), "undelivered", ErrorCode="30003")],
        "callbacks.inbound_call": [call_params(ALICE, sid=call), call_params(STRANGER)],
        "callbacks.voice_pin": [call_params(ALICE, sid=call, attested=False, Digits="4826")],
        "callbacks.voice_choose": [call_params(ALICE, sid=call, Digits="1")],
    }.get(endpoint, [call_result(call)])


def call_result(call: str) -> dict:
    """For the voice webhooks of calls the office places (verified calls, voice pages,
    recordings): a key pressed, a <Dial> answered, a call ended, a recording made."""
    return call_params(
        ALICE,
        sid=call,
        Digits="1",
        CallStatus="completed",
        CallDuration="40",
        DialCallStatus="completed",
        DialCallDuration="40",
        RecordingSid=new_sid("RE"),
        RecordingUrl="https://api.twilio.com/recording",
        RecordingStatus="completed",
        RecordingDuration="40",
    )


def test_no_route_updates_or_deletes_an_entry(app, records):
    people = {"admin": app.test_client(), "alice": app.test_client()}
    for username, client in people.items():
        sign_in(client, username)
    token = app.test_cli_runner().invoke(args=["create-token", "walk"]).output.strip()
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    webhooks = app.test_client()

    first = before = snapshot()
    asked = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for values in url_values(rule):
                path = rule.build(values)[1]
                if rule.endpoint.startswith("callbacks."):
                    for params in webhook_params(rule.endpoint):
                        post_signed(webhooks, path, params, token=development_auth_token())
                        after = snapshot()
                        assert_only_grown(before, after, f"{rule.endpoint} {params}")
                        before = after
                    asked.add(rule.endpoint)
                    continue
                askers = [api] if rule.endpoint.startswith("api.") else list(people.values())
                for client in askers:
                    if method == "GET":
                        response = client.get(path)
                    elif rule.endpoint.startswith("api."):
                        response = client.post(path, json=FORM)
                    else:
                        response = client.post(path, data=FORM)
                    assert response.status_code < 500, (rule.endpoint, method, values)
                    after = snapshot()
                    assert_only_grown(before, after, f"{method} {path}")
                    before = after
                    if rule.endpoint in ("auth.sign_out", "auth.sign_in"):
                        for username, again in people.items():
                            sign_in(again, username)
                asked.add(rule.endpoint)
    assert asked == {rule.endpoint for rule in app.url_map.iter_rules()}
    # The walk did write to the logs (a lead logged, a correction appended...).
    for table in first:
        assert len(before[table]) > len(first[table]), table


def test_no_command_updates_or_deletes_an_entry(app, records, tmp_path):
    office_id = str(db.session.scalar(select(Lead.office_id)))
    roster = tmp_path / "people.csv"
    roster.write_text("name,mobile,skills\nIvy Stone,(202) 555-0121,listing\n")
    runs = {
        "create-token": ["walk", "--office", office_id],
        "create-user": [
            "walker",
            "--role",
            "coordinator",
            "--office",
            office_id,
            "--password",
            "walker-password-1",
        ],
        "import-salespeople": [str(roster), "--office", office_id],
        "seed-demo": [],
        "sweep": ["--once"],
        "dashboard-rollups": ["--rebuild"],
        "update-office": ["--office", office_id, "--timezone", "America/Chicago"],
        "create-office": ["Walk Office", "--timezone", "UTC"],
    }
    commands = set(app.cli.list_commands(None)) - {"db"}
    assert commands == set(runs), "a new command: add it to this walk"
    before = snapshot()
    for command, arguments in runs.items():
        result = app.test_cli_runner().invoke(args=[command, *arguments])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            command,
            result.output,
        )
        after = snapshot()
        assert_only_grown(before, after, command)
        before = after
