"""The SMS outage switch (issue item 6).

When pages to several salespeople fail to be delivered within a few minutes
(OUTAGE_FAILURES distinct salespeople within OUTAGE_WINDOW_MINUTES, 3 within 5 by
default), the carrier rather than one handset is the trouble: the office's pages go by
voice call (dispatcher/voice/pages.py) until a page is delivered again. The switch is
one column (Office.sms_outage_since) moved by conditional updates, so two receipts
racing turn it on (and tell the manager) once. The board shows a banner meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dispatcher.language import N_, in_language
from dispatcher.models import Lead, LeadEvent, Office, Page
from dispatcher.office.controls import record_change
from dispatcher.sms.manager_messages import tell_manager
from dispatcher.unit_of_work import queue_after_commit

log = logging.getLogger(__name__)

# The timeline events the status callback writes for a page that was not delivered
# (dispatcher/pages/delivery.py: "page_" + status).
FAILURE_EVENTS = ("page_undelivered", "page_failed")


@dataclass(frozen=True)
class OutageRule:
    failures: int = 3  # OUTAGE_FAILURES: distinct salespeople
    window_minutes: int = 5  # OUTAGE_WINDOW_MINUTES

    @classmethod
    def from_config(cls, config) -> OutageRule:
        return cls(config["OUTAGE_FAILURES"], config["OUTAGE_WINDOW_MINUTES"])


def salespeople_failed(*, session: Session, office_id: int, since: datetime) -> int:
    """How many of the office's salespeople had a page not delivered since ``since``."""
    return session.scalar(
        select(func.count(func.distinct(Page.salesperson_id)))
        .select_from(LeadEvent)
        .join(Page, Page.id == LeadEvent.page_id)
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(
            Lead.office_id == office_id,
            LeadEvent.kind.in_(FAILURE_EVENTS),
            LeadEvent.at >= since,
            Page.salesperson_id.is_not(None),
        )
    )


# The manager's SMS (in the office's language) and the change log's entry.
OUTAGE_WORDS = N_(
    "SMS pages failed for %(failures)s or more salespeople within %(minutes)s minutes: "
    "pages go by voice call until SMS are delivered again."
)


def after_failure(*, session: Session, office_id: int, now: datetime, rule: OutageRule) -> bool:
    """A page was not delivered (its event already written): turn the switch on when the
    window holds enough salespeople. True when this call turned it on."""
    since = now - timedelta(minutes=rule.window_minutes)
    if salespeople_failed(session=session, office_id=office_id, since=since) < rule.failures:
        return False
    turned = session.execute(
        update(Office)
        .where(Office.id == office_id, Office.sms_outage_since.is_(None))
        .values(sms_outage_since=now)
    )
    if turned.rowcount != 1:
        return False  # already on: the manager was told when it turned on
    facts = {"failures": rule.failures, "minutes": rule.window_minutes}
    words = OUTAGE_WORDS % facts  # the office's change log, as it is kept
    with in_language(session.get(Office, office_id).language):
        to_the_manager = gettext(OUTAGE_WORDS, **facts)
    record_change(
        session=session,
        office_id=office_id,
        actor="twilio",
        now=now,
        kind="sms_outage",
        detail=words,
    )
    told = tell_manager(session=session, office_id=office_id, body=to_the_manager, now=now)
    queue_after_commit(session, manager_messages=[told])
    log.warning("office %s: SMS outage switch on", office_id)
    return True


def after_delivery(*, session: Session, office_id: int, now: datetime) -> bool:
    """A page was delivered: SMS work again, the switch goes off. True when this call
    turned it off."""
    turned = session.execute(
        update(Office)
        .where(Office.id == office_id, Office.sms_outage_since.is_not(None))
        .values(sms_outage_since=None)
    )
    if turned.rowcount != 1:
        return False
    record_change(
        session=session,
        office_id=office_id,
        actor="twilio",
        now=now,
        kind="sms_outage_over",
        detail="An SMS page was delivered again: pages go by SMS again.",
    )
    log.info("office %s: SMS outage switch off", office_id)
    return True
