"""Issue 7's faults: what happened, read from the database and from the Twilio stub,
and the counts that must come out zero (no call lost, no page twice, no lead
reassigned twice)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

# A page's SMS (a salesperson's or the manager's) and its Ref; the SMS telling a
# salesperson that a page was taken ("Ref 9 went to a colleague...") is no page.
REF = re.compile(r"^Client (?:call|visit)\b.*?\bRef (\d+)\b")
CLOSED_STATES = ("acknowledged", "missed", "declined", "failed")


def epoch(moment: datetime | None) -> float | None:
    """A stored (naive UTC) time as seconds since the epoch, comparable with time.time()."""
    return None if moment is None else moment.replace(tzinfo=UTC).timestamp()


@dataclass
class PageFacts:
    id: int
    lead_id: int
    to_number: str
    state: str
    created_at: float
    sent_at: float | None
    deadline_at: float
    closed_at: float | None
    send_attempts: int

    @property
    def final_at(self) -> float | None:
        """When the page reached its final state: closed, or (the manager's) sent."""
        if self.state in CLOSED_STATES:
            return self.closed_at
        if self.state == "notify":
            return self.sent_at
        return None


@dataclass
class Outcome:
    """The database after a fault: the leads, their pages, and what must be zero."""

    leads: set[int]
    pages: list[PageFacts]
    double_reassignments: int
    leads_with_two_open_pages: int

    @property
    def not_final(self) -> list[PageFacts]:
        return [page for page in self.pages if page.final_at is None]

    def missed(self) -> list[PageFacts]:
        return [page for page in self.pages if page.state == "missed"]

    def lateness(self, *, due_after: float = 0.0, due_before: float = float("inf")):
        """Seconds each missed page was closed after its deadline, for deadlines in range."""
        return [
            page.closed_at - page.deadline_at
            for page in self.missed()
            if due_after <= page.deadline_at < due_before
        ]

    def open_past_deadline(self, moment: float) -> list[PageFacts]:
        """Sent pages still open now whose deadline had passed by ``moment``."""
        return [
            page
            for page in self.pages
            if page.state == "open" and page.sent_at is not None and page.deadline_at <= moment
        ]

    def overdue_at(self, moment: float) -> list[PageFacts]:
        """Sent, still-open-at-``moment`` pages whose deadline had passed by then."""
        return [
            page
            for page in self.pages
            if page.sent_at is not None
            and page.deadline_at <= moment
            and page.state != "notify"
            and (page.final_at is None or page.final_at > moment)
        ]


def read_outcome(connection) -> Outcome:
    """Read pages and reassignments. A lead is reassigned once per closed page: more
    assignments than that, or a page closed twice, is a double reassignment."""
    from dispatcher.models import Assignment, Lead, LeadEvent, Page

    leads = set(connection.scalars(select(Lead.id)))
    pages = [
        PageFacts(
            row.id,
            row.lead_id,
            row.to_number,
            row.state,
            epoch(row.created_at),
            epoch(row.sent_at),
            epoch(row.deadline_at),
            epoch(row.closed_at),
            row.send_attempts,
        )
        for row in connection.execute(select(Page.__table__).order_by(Page.id))
    ]
    assignments = Counter(dict(connection.execute(_count_by(Assignment.lead_id)).all()))
    closures = Counter(page.lead_id for page in pages if page.state in CLOSED_STATES)
    closing_events = connection.execute(
        select(LeadEvent.page_id, func.count())
        .where(LeadEvent.kind.in_(("missed", "declined", "failed")))
        .group_by(LeadEvent.page_id)
    )
    double = sum(max(0, assignments[lead] - 1 - closures[lead]) for lead in leads)
    double += sum(max(0, count - 1) for _page, count in closing_events)
    open_pages = Counter(page.lead_id for page in pages if page.state == "open")
    return Outcome(leads, pages, double, sum(1 for n in open_pages.values() if n > 1))


def _count_by(column):
    return select(column, func.count()).group_by(column)


@dataclass
class SmsCount:
    """SMS the stub accepted, per page (the lead's Ref and the number paged)."""

    per_page: Counter

    @classmethod
    def from_bodies(cls, messages) -> SmsCount:
        per_page = Counter()
        for to, body in messages:
            match = REF.search(body or "")
            if match:
                per_page[(int(match.group(1)), to)] += 1
        return cls(per_page)

    @property
    def sent(self) -> int:
        return sum(self.per_page.values())

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.per_page.values())

    @property
    def pages_twice(self) -> int:
        return sum(1 for count in self.per_page.values() if count > 1)

    @property
    def most_for_one_page(self) -> int:
        return max(self.per_page.values(), default=0)


def sms_count(stub) -> SmsCount:
    return SmsCount.from_bodies((message.to, message.body) for message in stub.messages)
