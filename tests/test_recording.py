"""Call recording (issue item 8): off by default; an office that records announces it
before putting the caller through, Twilio's signed recording callback keeps the
recording on the lead (once), only the office's manager hears it from the lead's page,
and it is deleted at Twilio (the stub's Recordings API) after the retention."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import CallRecording, InboundCall, LeadEvent, User
from dispatcher.office.setup import create_office
from tests.app_setup import sign_in
from tests.webhook_helpers import COORDINATOR, STRANGER, call_params, post_signed, ring, stubs
from workers import sweeper

pytestmark = [pytest.mark.twilio, pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR)]


@pytest.fixture
def recording_office(office):
    office.record_calls = True
    db.session.commit()
    return office


def last_call_sid() -> str:
    return db.session.scalars(select(InboundCall.call_sid).order_by(InboundCall.id.desc())).first()


def recorded(client, twilio_stub, call_sid: str, *, recording=None, **signing):
    """Twilio's recording status callback for the call's recording (made at the stub)."""
    recording = recording or twilio_stub.recordings.add(call_sid)
    params = call_params(
        STRANGER,
        sid=call_sid,
        RecordingSid=recording.sid,
        RecordingUrl=twilio_stub.recordings.url(twilio_stub.base_url, recording.sid),
        RecordingStatus="completed",
        RecordingDuration="42",
        RecordingChannels="2",
        RecordingSource="DialVerb",
    )
    response = post_signed(client, "/twilio/voice/recording", params, **signing)
    return response, recording


def recordings() -> list[CallRecording]:
    db.session.expire_all()
    return list(db.session.scalars(select(CallRecording).order_by(CallRecording.id)))


def test_off_by_default_no_announcement_and_nothing_recorded(client, office, clock):
    root = ElementTree.fromstring(ring(client).get_data(as_text=True))
    assert root.find("Dial").get("record") is None
    assert "recorded" not in ElementTree.tostring(root, encoding="unicode")


def test_an_office_that_records_announces_it_first_and_records_the_dial(
    client, recording_office, clock
):
    root = ElementTree.fromstring(ring(client).get_data(as_text=True))
    first = root[0]
    assert (first.tag, first.text) == ("Say", "This call may be recorded.")
    dial = root.find("Dial")
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == "/twilio/voice/recording"


def test_the_signed_callback_keeps_the_recording_on_the_lead_once(
    client, recording_office, clock, twilio_stub
):
    ring(client)
    sid = last_call_sid()
    response, recording = recorded(client, twilio_stub, sid)
    assert response.status_code == 204
    again, _ = recorded(client, twilio_stub, sid, recording=recording)  # Twilio's retry
    assert again.status_code == 204

    [kept] = recordings()
    [stub] = stubs()
    assert (kept.lead_id, kept.recording_sid, kept.duration_seconds) == (stub.id, recording.sid, 42)
    events = db.session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == stub.id))
    assert list(events).count("recorded") == 1


def test_a_forged_recording_callback_is_refused(client, recording_office, clock, twilio_stub):
    ring(client)
    response, _ = recorded(client, twilio_stub, last_call_sid(), token="0" * 32)
    assert response.status_code == 403
    assert recordings() == []


def test_the_manager_hears_it_from_the_lead_page(client, recording_office, clock, twilio_stub):
    ring(client)
    _, recording = recorded(client, twilio_stub, last_call_sid())
    [kept] = recordings()
    sign_in(client, "manager")

    page = client.get(f"/leads/{kept.lead_id}").get_data(as_text=True)
    link = f"/leads/{kept.lead_id}/recordings/{kept.id}"
    assert link in page
    audio = client.get(link)
    assert audio.status_code == 200
    assert audio.mimetype == "audio/mpeg"
    assert audio.data == recording.audio
    assert audio.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["coordinator", "alice"])
def test_the_coordinator_and_salespeople_may_not(client, recording_office, clock, twilio_stub, who):
    ring(client)
    recorded(client, twilio_stub, last_call_sid())
    [kept] = recordings()
    sign_in(client, who)
    assert client.get(f"/leads/{kept.lead_id}/recordings/{kept.id}").status_code == 403
    if who == "coordinator":
        assert "/recordings/" not in client.get(f"/leads/{kept.lead_id}").get_data(as_text=True)


def test_another_offices_manager_gets_a_404(client, recording_office, clock, twilio_stub):
    ring(client)
    recorded(client, twilio_stub, last_call_sid())
    [kept] = recordings()
    recording_office.phone_number = "+12025550100"
    other = create_office(
        session=db.session,
        name="Harbour Office",
        timezone="Asia/Hong_Kong",
        phone="+12025550300",
        manager_mobile="+12025550399",
        region="US",
    )
    user = User(office_id=other.id, username="harbour-manager", role="manager")
    user.set_password("demo-password")
    db.session.add(user)
    db.session.commit()

    sign_in(client, "harbour-manager")
    assert client.get(f"/leads/{kept.lead_id}/recordings/{kept.id}").status_code == 404


def test_recordings_past_the_retention_are_deleted_at_twilio_and_their_link_goes(
    client, recording_office, clock, twilio_stub
):
    ring(client)
    _, old = recorded(client, twilio_stub, last_call_sid())
    ring(client)
    _, new = recorded(client, twilio_stub, last_call_sid())
    first, second = recordings()
    first.created_at = utcnow() - timedelta(days=91)
    db.session.commit()

    assert sweeper.delete_old_recordings() == 1
    assert twilio_stub.recordings.deletes == [old.sid]
    assert sweeper.delete_old_recordings() == 0  # nothing twice
    first, second = recordings()
    assert first.deleted_at is not None and first.url == ""
    assert second.deleted_at is None
    sign_in(client, "manager")
    assert client.get(f"/leads/{first.lead_id}/recordings/{first.id}").status_code == 404
    assert client.get(f"/leads/{second.lead_id}/recordings/{second.id}").status_code == 200
