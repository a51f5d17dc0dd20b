"""SMS written deep inside a service (the note to a salesperson whose page was taken,
pages.taken), queued for sending once the transaction that wrote them commits.

The page's own path (webhook or job: commit, then queue what the outcome lists) would
have every caller of pages.close_and_reassign carry one more id; instead the id waits on
the session and goes to the queue, under its fixed job id, right after the commit. A
rollback drops it with the row. Redis away, or no app to queue from: the sweeper sends
it later (manager_messages.messages_to_send), as for any SMS whose job was lost.
"""

from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from dispatcher.extensions import db
from dispatcher.queue import enqueue_manager_message

PENDING = "sms_to_queue_after_commit"


def send_after_commit(session: Session, message_id: int) -> None:
    """Queue the ManagerMessage row ``message_id`` once ``session`` commits."""
    session.info.setdefault(PENDING, []).append(message_id)


@event.listens_for(db.session, "after_commit")
def _queue_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    if not pending or not has_app_context():
        return
    for message_id in pending:
        enqueue_manager_message(message_id)  # never raises: False when Redis is away


@event.listens_for(db.session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
