"""Where a salesperson is, said by themselves (IN, OUT, BUSY, BACK by SMS or on their
page) or by the office: the rule that takes them out of the rotation after missed pages
in a row (the office's miss limit; 0: off), and telling them when they are back in.

The manager's own changes go through office/controls.set_status, which this module's
words end in too, so every change is recorded the same way (Changes)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext, ngettext
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_
from dispatcher.models import ManagerMessage, Office, Salesperson
from dispatcher.office.controls import record_change, set_status
from dispatcher.sms.manager_messages import tell_manager
from dispatcher.unit_of_work import queue_after_commit
from routing.decision import BUSY, IN_OFFICE, OUT, PAUSED

# What a salesperson may say of themselves, by SMS or on their page.
OWN_WORDS = {"IN": IN_OFFICE, "BACK": IN_OFFICE, "OUT": OUT, "BUSY": BUSY}
# In English; said in the language in force (gettext where they are used).
OWN_REPLIES = {
    IN_OFFICE: N_("You are in: pages reach you in your turn."),
    OUT: N_("You are out (showing): you are still paged."),
    BUSY: N_(
        "You are busy: your turns are skipped, and one make-up turn is kept for you. "
        "Send BACK when you are free."
    ),
}
BACK_IN_ROTATION = N_("You are back in the rotation: pages reach you again in your turn.")


def tell_salesperson(*, session: Session, person: Salesperson, body: str, now: datetime) -> None:
    """An SMS to the salesperson, sent once after the commit (as a taken page's SMS is);
    none to a number that cannot get it."""
    if not person.mobile or person.sms_opted_out or person.number_problem:
        return
    message = ManagerMessage(
        office_id=person.office_id, to_number=person.mobile, body=body[:320], created_at=now
    )
    session.add(message)
    session.flush()
    queue_after_commit(session, manager_messages=[message.id])


def say_own_status(*, session: Session, person: Salesperson, word: str, now: datetime) -> str:
    """IN, BACK, OUT or BUSY from the salesperson: their status, recorded under their
    name; the answer in words. Someone taken out after missed pages is back in."""
    status = OWN_WORDS[word]
    came_back = person.status == PAUSED and status in (IN_OFFICE, OUT)
    change_status(session=session, person=person, status=status, actor=person.name, now=now)
    return gettext(BACK_IN_ROTATION if came_back else OWN_REPLIES[status])


def change_status(
    *, session: Session, person: Salesperson, status: str, actor: str, now: datetime
) -> None:
    """Any status change, by the salesperson or the manager. Leaving "out after missed
    pages" starts the count again and tells them they are back in the rotation."""
    was_paused = person.status == PAUSED
    set_status(session=session, person=person, status=status, actor=actor, now=now)
    if was_paused and person.status != PAUSED:
        person.misses_in_a_row = 0
        if actor != person.name:  # they said so themselves: their reply tells them
            said = gettext(BACK_IN_ROTATION)
            tell_salesperson(session=session, person=person, body=said, now=now)


def count_miss(*, session: Session, person: Salesperson | None, now: datetime) -> None:
    """One more page missed in a row. At the office's limit they are taken out of the
    rotation, and the manager and they are told (SMS sent after the commit)."""
    if person is None:
        return
    person.misses_in_a_row = (person.misses_in_a_row or 0) + 1
    office = session.get(Office, person.office_id)
    limit = office.miss_limit if office is not None else 0
    if not limit or person.misses_in_a_row < limit or person.status == PAUSED:
        return
    misses = person.misses_in_a_row
    record_change(
        session=session,
        office_id=person.office_id,
        actor="system",
        now=now,
        kind="status",
        detail=f"{person.name}: out of the rotation after {misses} missed pages in a row",
    )
    person.status = PAUSED
    tell_salesperson(
        session=session,
        person=person,
        body=ngettext(
            "You missed %(num)d page in a row and are out of the rotation. "
            "Send BACK when you can take pages again.",
            "You missed %(num)d pages in a row and are out of the rotation. "
            "Send BACK when you can take pages again.",
            misses,
        ),
        now=now,
    )
    told = tell_manager(
        session=session,
        office_id=person.office_id,
        body=ngettext(
            "%(name)s missed %(num)d page in a row and is out of the rotation "
            "until they send BACK (or you set them back on Salespeople).",
            "%(name)s missed %(num)d pages in a row and is out of the rotation "
            "until they send BACK (or you set them back on Salespeople).",
            misses,
            name=person.name,
        ),
        now=now,
    )
    if told is not None:
        queue_after_commit(session, manager_messages=[told])


def set_leave(
    *,
    session: Session,
    person: Salesperson,
    first_day: date | None,
    last_day: date | None,
    actor: str,
    now: datetime,
) -> None:
    """On leave from ``first_day`` to ``last_day`` (both included); None, None: no leave."""
    if (first_day is None) != (last_day is None):
        raise InvalidInput({"leave": "Give both the first and the last day, or neither."})
    if first_day is not None and last_day < first_day:
        raise InvalidInput({"leave": "The last day of leave is before the first."})
    if (first_day, last_day) == (person.leave_from, person.leave_until):
        return
    person.leave_from, person.leave_until = first_day, last_day
    said = f"on leave {first_day:%d %b %Y} to {last_day:%d %b %Y}" if first_day else "no leave"
    record_change(
        session=session,
        office_id=person.office_id,
        actor=actor,
        now=now,
        kind="leave",
        detail=f"{person.name}: {said}",
    )
