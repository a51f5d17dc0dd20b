"""How long the records of calls and SMS to the office keep personal details.

Each call to the office is kept under its CallSid with the TwiML answered, which for a
salesperson calling back reads out the client's name and number, and with the caller's
number; each SMS under its MessageSid with the caller's number and the reply (which may
carry a client's details when ACK_REPLY_INCLUDES_DETAILS is on). They are there so that
Twilio's redelivery of a webhook, which comes within seconds or minutes, gets the same
answer and changes nothing. Past the retention the details are blanked; the sid and
the outcome stay, so a very late redelivery still changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from dispatcher.models import InboundCall, InboundMessage


def forget_old_details(*, session: Session, now: datetime, keep_days: int) -> int:
    """Blank the numbers and answers of calls and SMS received more than ``keep_days``
    ago; how many records were blanked. Never commits."""
    before = now - timedelta(days=keep_days)
    calls = session.execute(
        update(InboundCall)
        .where(
            InboundCall.received_at < before,
            or_(InboundCall.twiml != "", InboundCall.from_number != ""),
        )
        .values(twiml="", from_number="")
        .execution_options(synchronize_session=False)
    )
    messages = session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.received_at < before,
            or_(InboundMessage.reply != "", InboundMessage.from_number != ""),
        )
        .values(reply="", from_number="")
        .execution_options(synchronize_session=False)
    )
    return calls.rowcount + messages.rowcount
