"""One way to send an SMS the office writes: a page, or a message to the manager.

Both are rows with the same sending columns (``Outgoing``), sent the same way: claimed
with one conditional UPDATE committed before Twilio is called, so two workers (or a
worker and the sweeper) never both send one; from the second try on, looked up at
Twilio first, since an earlier try may have reached Twilio with its answer lost; then
recorded as sent, or as failed and freed for the next try. What differs between the
kinds (which rows may still go out, what a sent or failed one records, how many times
one may be sent again without the lookup) is a ``Sending``.

This module commits the claim and each read before Twilio is called (on SQLite a
transaction holds the write lock, and Twilio may take TWILIO_TIMEOUT_SECONDS to
answer); the caller commits what ``send`` records, then queues ``SendResult.then``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dispatcher.models import CourtesyMessage, ManagerMessage, Office, Page
from dispatcher.sms import SendFailed, SentMessage, SmsTransport

log = logging.getLogger(__name__)

# A retry looks for an earlier try's SMS from this long before the row was written:
# Twilio's clock and ours may differ a little, and its times keep whole seconds.
LOOKUP_MARGIN = timedelta(seconds=60)
# From this try on, a lookup that Twilio refuses (an error answer, not a hang) no longer
# holds back a kind that allows unchecked resends: the SMS is sent again, counted as a
# possible duplicate. A page that never goes out loses the lead; one that arrives twice
# is a nuisance.
UNCHECKED_RESEND_FROM_ATTEMPT = 3


class Outgoing(Protocol):
    """The columns a row to send has (a page, a manager's message)."""

    id: int
    to_number: str
    body: str
    created_at: datetime
    send_claimed_at: datetime | None
    sent_at: datetime | None
    send_attempts: int
    send_error: str | None
    message_sid: str | None


@dataclass(frozen=True)
class AfterCommit:
    """What to queue once the records are committed (a job must not see them before)."""

    deadline: tuple[int, datetime] | None = None  # a page's id and when its check is due
    pages: tuple[int, ...] = ()  # pages to send
    manager_messages: tuple[int, ...] = ()


@dataclass(frozen=True)
class SendResult:
    """What ``send`` did: ``what`` is sent, found (an earlier try had reached Twilio),
    failed, closed (nobody waits for it any more) or not-sendable (sent, or being sent)."""

    what: str
    then: AfterCommit = AfterCommit()
    retry: SendFailed | None = None  # raised after the commit, so that RQ tries again


class Sending:
    """One kind of outgoing SMS. The defaults suit a message nobody waits on (the
    manager's): a failed lookup holds it until one works, and sent or failed it records
    only its own columns. A page overrides them (dispatcher.pages.sending)."""

    # How many times one row may go out again although Twilio could not be checked.
    unchecked_resends_allowed = 0

    def __init__(self, model: type, name: str):
        self.model = model
        self.name = name  # for the log

    def sendable(self) -> tuple[Any, ...]:
        """Conditions a row must meet to be claimed, beside not being out nor claimed."""
        return ()

    def still_wanted(self, session: Session, row: Outgoing) -> bool:
        """After the claim, whether the SMS still has a reason to go out."""
        return True

    def sent_from(self, session: Session, row: Outgoing) -> str | None:
        """The office's own number, which the SMS goes out from (and a reply comes back
        to: callbacks find the office by it); None: the settings' number."""
        return session.scalar(select(Office.phone_number).where(Office.id == row.office_id))

    def unchecked_resends(self, session: Session, row_id: int) -> int:
        return 0

    def record_unchecked_resend(
        self, session: Session, row: Outgoing, error: str, now: datetime
    ) -> None:
        """Keep the possible duplicate where it can be counted, before it is sent."""

    def record_sent(
        self,
        session: Session,
        row: Outgoing,
        sent: SentMessage,
        now: datetime,
        *,
        found: bool,
        copies: int,
    ) -> AfterCommit:
        """``found``: an earlier try had reached Twilio; ``copies``: how many SMS of it
        Twilio holds (more than one is a duplicate)."""
        mark_sent(row, sent, now)
        return AfterCommit()

    def record_failure(
        self, session: Session, row: Outgoing, error: SendFailed, now: datetime
    ) -> AfterCommit:
        mark_failed(row, str(error))
        return AfterCommit()


def mark_sent(row: Outgoing, sent: SentMessage, now: datetime) -> None:
    row.sent_at, row.message_sid, row.send_error = now, sent.sid, None


def mark_failed(row: Outgoing, error: str) -> None:
    """Keep the failure and free the row for a retry."""
    row.send_error = error[:300]
    row.send_claimed_at = None


def _sendable(kind: Sending, now: datetime, claim_timeout: timedelta) -> tuple[Any, ...]:
    """Not out yet, and not claimed by a sender younger than ``claim_timeout`` (an older
    claim died with its worker)."""
    model = kind.model
    return (
        model.sent_at.is_(None),
        or_(model.send_claimed_at.is_(None), model.send_claimed_at < now - claim_timeout),
        *kind.sendable(),
    )


def claim(
    kind: Sending, *, session: Session, row_id: int, now: datetime, claim_timeout: timedelta
) -> Outgoing | None:
    """Take the right to send the row, or None if it is sent, being sent or no longer
    sendable."""
    model = kind.model
    result = session.execute(
        update(model)
        .where(model.id == row_id, *_sendable(kind, now, claim_timeout))
        .values(send_claimed_at=now, send_attempts=model.send_attempts + 1)
    )
    return session.get(model, row_id) if result.rowcount == 1 else None


def waiting(
    kind: Sending,
    *,
    session: Session,
    now: datetime,
    older_than: timedelta,
    claim_timeout: timedelta,
    limit: int = 100,
) -> list[int]:
    """Rows written longer ago than ``older_than`` and still not out nor being sent: the
    sweeper's."""
    model = kind.model
    return list(
        session.scalars(
            select(model.id)
            .where(model.created_at < now - older_than, *_sendable(kind, now, claim_timeout))
            .order_by(model.id)
            .limit(limit)
        )
    )


def send(
    kind: Sending,
    row_id: int,
    *,
    session: Session,
    transport: SmsTransport,
    clock: Callable[[], datetime],
    claim_timeout: timedelta,
) -> SendResult:
    """Send the row once; the caller commits, then queues ``then`` and raises ``retry``.

    From the second try on (RQ's retry, or the sweeper after a claim went stale because
    its worker died), the SMS is looked up at Twilio first and, if found, recorded as
    sent ("found") with nothing sent again.
    """
    row = claim(kind, session=session, row_id=row_id, now=clock(), claim_timeout=claim_timeout)
    if row is None:
        return SendResult("not-sendable")
    to_number, body, attempt = row.to_number, row.body, row.send_attempts
    since = row.created_at - LOOKUP_MARGIN
    from_number = kind.sent_from(session, row)
    # The claim is committed before Twilio is called, so a second copy of this job (or
    # the sweeper) cannot send the same SMS while this one is sending.
    session.commit()
    if not kind.still_wanted(session, row):
        return SendResult("closed")
    session.commit()  # no transaction (SQLite's write lock) held while Twilio answers
    if attempt > 1:
        try:
            found = unrecorded(
                session,
                transport.find_sms(to_number, body, since=since, from_number=from_number),
            )
        except SendFailed as error:
            if not _resend_unchecked(kind, session, row_id, attempt, error, clock):
                held = SendFailed(
                    f"Not sent again until Twilio can be checked for try {attempt - 1}: {error}",
                    timed_out=error.timed_out,
                )
                return _failed(kind, session, row_id, held, clock)
        else:
            if found:
                return _sent(kind, session, row_id, found[0], clock, found=len(found))
    try:
        sent = transport.send_sms(to_number, body, from_number=from_number)
    except SendFailed as error:
        return _failed(kind, session, row_id, error, clock)
    return _sent(kind, session, row_id, sent, clock)


def unrecorded(session: Session, found: list[SentMessage]) -> list[SentMessage]:
    """The found SMS not already recorded on another row (the same salesperson paged
    again for the same lead gets the same body); ends the read transaction."""
    sids = [m.sid for m in found]
    recorded: set[str] = set()
    if sids:
        for model in (Page, ManagerMessage, CourtesyMessage):
            recorded.update(
                session.scalars(select(model.message_sid).where(model.message_sid.in_(sids)))
            )
    session.commit()
    return [m for m in found if m.sid not in recorded]


def _resend_unchecked(
    kind: Sending,
    session: Session,
    row_id: int,
    attempt: int,
    error: SendFailed,
    clock: Callable[[], datetime],
) -> bool:
    """Whether to send again although Twilio could not be asked about the earlier try;
    if so, the possible duplicate is recorded (and committed) before the SMS goes out."""
    if attempt < UNCHECKED_RESEND_FROM_ATTEMPT or not kind.unchecked_resends_allowed:
        return False
    if error.timed_out:
        # Twilio is not answering: sending now would wait out a second timeout in this
        # job (a job spends at most one TWILIO_TIMEOUT_SECONDS on a hung Twilio).
        return False
    if kind.unchecked_resends(session, row_id) >= kind.unchecked_resends_allowed:
        session.commit()
        return False
    row = session.get(kind.model, row_id)
    kind.record_unchecked_resend(session, row, str(error), clock())
    session.commit()
    log.warning(
        "%s %s: try %s sent without checking Twilio for an earlier one (%s): possible duplicate",
        kind.name,
        row_id,
        attempt,
        error,
    )
    return True


def _sent(
    kind: Sending,
    session: Session,
    row_id: int,
    sent: SentMessage,
    clock: Callable[[], datetime],
    *,
    found: int = 0,
) -> SendResult:
    """Record it sent; ``found``: it was found at Twilio, that many times, and not sent."""
    row = session.get(kind.model, row_id)
    copies = max(found, 1)
    then = kind.record_sent(session, row, sent, clock(), found=found > 0, copies=copies)
    if copies > 1:
        log.warning(
            "%s %s: Twilio holds %s copies of it (duplicate SMS)", kind.name, row_id, copies
        )
    return SendResult("found" if found else "sent", then)


def _failed(
    kind: Sending, session: Session, row_id: int, error: SendFailed, clock: Callable[[], datetime]
) -> SendResult:
    """Record the failure; a transient one is returned to raise, so that RQ tries again
    (the row is left free to send; the next try looks it up first)."""
    session.rollback()
    row = session.get(kind.model, row_id)
    then = kind.record_failure(session, row, error, clock())
    log.warning(
        "%s %s not sent (permanent=%s, ambiguous=%s)",
        kind.name,
        row_id,
        error.permanent,
        error.ambiguous,
    )
    return SendResult("failed", then, retry=None if error.permanent else error)
