"""Reading the office's registration log (O3): a page of its entries, newest first, each
original entry with the corrections that point at it.

A correction is an entry of the log in its own right (it has its number, in time order),
shown with the entry it corrects so that both stay in view; the filter for invalid
entries keeps the registrations that are still invalid once their latest correction is
counted (those the coordinator has to complete).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from dispatcher.models import Registration

PAGE_SIZE = 50

_correction = aliased(Registration)
# Whether an original entry is valid once its latest correction is counted.
_VALID_NOW = func.coalesce(
    select(_correction.valid)
    .where(_correction.corrects_id == Registration.id)
    .order_by(_correction.id.desc())
    .limit(1)
    .correlate(Registration)
    .scalar_subquery(),
    Registration.valid,
)


@dataclass(frozen=True)
class LogEntry:
    """An original entry and its corrections, oldest first; ``latest`` is what stands."""

    entry: Registration
    corrections: tuple[Registration, ...]

    @property
    def latest(self) -> Registration:
        return self.corrections[-1] if self.corrections else self.entry


@dataclass(frozen=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    page: int
    pages: int
    total: int


def missing_of(entry: Registration) -> list[str]:
    """The O2 facts the entry lacks, in the office's words (stored joined by ", ", which
    none of routing.registration's words hold)."""
    return [fact for fact in entry.missing.split(", ") if fact]


def invalid_words(entry: Registration) -> str | None:
    """What the coordinator is told after logging a call whose registration is invalid
    (O2), or None when it is valid."""
    if entry.valid:
        return None
    facts = missing_of(entry)
    missing = " and ".join([", ".join(facts[:-1]), facts[-1]] if len(facts) > 1 else facts)
    return (
        f"Registration {entry.number} is invalid: missing {missing}. Complete it in the register."
    )


def log_page(
    session: Session, *, office_id: int, page: int = 1, invalid_only: bool = False
) -> LogPage:
    """One page of the office's log, newest first (``page`` from 1; past the end: empty)."""
    originals = select(Registration).where(
        Registration.office_id == office_id, Registration.corrects_id.is_(None)
    )
    if invalid_only:
        originals = originals.where(_VALID_NOW.is_(False))
    total = session.scalar(select(func.count()).select_from(originals.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    rows = session.scalars(
        originals.order_by(Registration.number.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    corrections: dict[int, list[Registration]] = {row.id: [] for row in rows}
    if rows:
        for correction in session.scalars(
            select(Registration)
            .where(Registration.corrects_id.in_(list(corrections)))
            .order_by(Registration.number)
        ):
            corrections[correction.corrects_id].append(correction)
    entries = tuple(LogEntry(row, tuple(corrections[row.id])) for row in rows)
    return LogPage(entries=entries, page=page, pages=pages, total=total)


def latest_version(session: Session, entry: Registration) -> Registration:
    """The entry's latest correction, or the entry itself."""
    return (
        session.scalar(
            select(Registration)
            .where(Registration.corrects_id == entry.id)
            .order_by(Registration.id.desc())
            .limit(1)
        )
        or entry
    )
