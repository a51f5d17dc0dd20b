"""SMS to the manager that are about a salesperson rather than a lead (they texted STOP
or START). Written in the transaction that decided them; a job sends each once after the
commit, the way pages are sent (dispatcher.sms.outbound): nothing waits on them, so a
failed lookup holds one until Twilio can be checked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.models import ManagerMessage, Office
from dispatcher.sms.outbound import Sending

MANAGER_MESSAGES = Sending(ManagerMessage, "manager message")


def tell_manager(*, session: Session, office_id: int, body: str, now: datetime) -> int | None:
    """Write the message to send; None when the office has no manager's mobile."""
    office = session.get(Office, office_id)
    if office is None or not office.manager_mobile:
        return None
    return write_sms(
        session=session, office_id=office_id, to=office.manager_mobile, body=body, now=now
    )


def write_sms(*, session: Session, office_id: int, to: str, body: str, now: datetime) -> int:
    """An SMS from the office to any number (a ManagerMessage row, whoever it goes to),
    sent once by the same job after the commit; its id."""
    message = ManagerMessage(office_id=office_id, to_number=to, body=body[:320], created_at=now)
    session.add(message)
    session.flush()
    return message.id
