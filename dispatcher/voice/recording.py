"""Call recording (issue item 8), off by default (Office.record_calls).

When an office records calls, a caller's call put through the office is announced as
recorded and its <Dial> recorded (callbacks.voice.render); Twilio's signed recording
callback stores the RecordingSid and its URL on the call's lead (CallRecording, once per
RecordingSid). The manager of the office, and nobody else, hears it from the lead's page
through a route that fetches the audio with the account's credentials (the URL alone
needs them). After RECORDING_RETENTION_DAYS the recording is deleted at Twilio and its
link goes, by the sweeper. Both go through the voice transport (dispatcher/voice/
transport.py: the one twilio client).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.leads.timeline import record_event
from dispatcher.models import CallRecording, InboundCall, Lead
from dispatcher.voice import VoiceTransport


def store_recording(
    *,
    session: Session,
    call_sid: str,
    recording_sid: str,
    url: str,
    duration: int | None,
    now: datetime,
) -> CallRecording | None:
    """Keep the recording on its call's lead; a repeat of the callback (the same
    RecordingSid) or a call we never answered changes nothing (None)."""
    if session.scalar(select(CallRecording.id).where(CallRecording.recording_sid == recording_sid)):
        return None
    call = session.scalar(select(InboundCall).where(InboundCall.call_sid == call_sid))
    if call is None or call.lead_id is None:
        return None
    lead = session.get(Lead, call.lead_id)
    recording = CallRecording(
        office_id=lead.office_id,
        lead_id=lead.id,
        call_sid=call_sid,
        recording_sid=recording_sid,
        url=url[:300],
        duration_seconds=duration,
        created_at=now,
    )
    session.add(recording)
    session.flush()
    record_event(
        session=session,
        lead_id=lead.id,
        kind="recorded",
        at=now,
        detail=f"The call was recorded ({duration or 0} s): the manager can hear it here",
        actor="phone",
    )
    return recording


def recordings_of(*, session: Session, lead_id: int) -> list[CallRecording]:
    """The lead's recordings still kept, oldest first."""
    return list(
        session.scalars(
            select(CallRecording)
            .where(CallRecording.lead_id == lead_id, CallRecording.deleted_at.is_(None))
            .order_by(CallRecording.id)
        )
    )


def delete_expired(
    *, session: Session, voice: VoiceTransport, now: datetime, keep_days: int
) -> int:
    """Delete at Twilio (through the voice transport) every recording older than
    ``keep_days`` and forget its link; how many. One Twilio can no longer find is gone
    already; any other failure leaves it for the next round."""
    due = list(
        session.scalars(
            select(CallRecording)
            .where(
                CallRecording.deleted_at.is_(None),
                CallRecording.created_at < now - timedelta(days=keep_days),
            )
            .order_by(CallRecording.id)
            .limit(500)
        )
    )
    deleted = 0
    for recording in due:
        if not voice.delete_recording(recording.recording_sid):
            continue
        recording.deleted_at, recording.url = now, ""
        deleted += 1
    return deleted
