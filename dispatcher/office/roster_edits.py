"""The manager's edits of the office's calendar (the coordinator's hours per weekday,
holidays) and of the duty roster (repeating shifts, the weekend's alternating 3-hour
shifts, covers for a range of days). Each is recorded on Changes and draws a new
schedule stamp, so every process reads the schedule again (office/schedule.py)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.models import (
    DutyCover,
    DutyShift,
    Holiday,
    Office,
    OfficeHours,
    Salesperson,
    ShiftSwap,
)
from dispatcher.office.controls import record_change
from dispatcher.office.schedule import office_schedule

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHIFT_MINUTES = 180  # C8: the weekend's shifts are three hours
LONGEST_RANGE = timedelta(days=366)


def schedule_changed(office: Office) -> None:
    office.schedule_stamp = secrets.token_hex(16)


def clock_minutes(text: str, field: str) -> int:
    """'08:00' -> 480; '24:00' is midnight at the end of the day (1440)."""
    text = (text or "").strip()
    if text == "24:00":
        return 24 * 60
    try:
        moment = time.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput({field: _not_a_time(text)}) from error
    if len(text) != 5 or moment.second:
        raise InvalidInput({field: _not_a_time(text)})
    return moment.hour * 60 + moment.minute


def _not_a_time(text: str) -> str:
    return gettext("A time such as 08:00, not %(text)s.", text=repr(text))


def minutes_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span_text(opens: int | None, closes: int | None) -> str:
    return "closed" if opens is None else f"{minutes_text(opens)}-{minutes_text(closes)}"


def _hours(opens: str, closes: str, field: str) -> tuple[int | None, int | None]:
    """Both empty: closed; else an opening before a closing the same day."""
    if not (opens or "").strip() and not (closes or "").strip():
        return None, None
    start, end = clock_minutes(opens, field), clock_minutes(closes, field)
    if not start < end:
        raise InvalidInput({field: gettext("The coordinator's hours open before they close.")})
    return start, end


def set_week_hours(
    *,
    session: Session,
    office: Office,
    week: list[tuple[str, str]],
    actor: str,
    now: datetime,
) -> None:
    """The coordinator's hours for each weekday, Monday first: (opens, closes), both
    empty for a day the coordinator does not work."""
    rows = {
        row.weekday: row
        for row in session.scalars(select(OfficeHours).where(OfficeHours.office_id == office.id))
    }
    current = office_schedule(session=session, office=office).calendar.week
    errors, wanted = {}, []
    for weekday, (opens, closes) in enumerate(week):
        try:
            wanted.append(_hours(opens, closes, f"day{weekday}"))
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    for weekday, (opens, closes) in enumerate(wanted):
        was = current[weekday]
        was_pair = (was.opens, was.closes) if was else (None, None)
        if was_pair == (opens, closes):
            continue
        row = rows.get(weekday) or OfficeHours(office_id=office.id, weekday=weekday)
        row.opens, row.closes = opens, closes
        session.add(row)
        record_change(
            session=session,
            office_id=office.id,
            actor=actor,
            now=now,
            kind="hours",
            detail=f"{WEEKDAY_NAMES[weekday]}: {span_text(*was_pair)} -> "
            f"{span_text(opens, closes)}",
        )
        schedule_changed(office)


def add_holiday(
    *,
    session: Session,
    office: Office,
    day: date,
    name: str,
    opens: str,
    closes: str,
    actor: str,
    now: datetime,
) -> None:
    """A day the coordinator is away (no hours) or keeps special hours."""
    start, end = _hours(opens, closes, "holiday")
    row = session.scalar(select(Holiday).where(Holiday.office_id == office.id, Holiday.day == day))
    row = row or Holiday(office_id=office.id, day=day)
    row.name, row.opens, row.closes = name.strip()[:80], start, end
    session.add(row)
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="hours",
        detail=f"holiday {day:%a %d %b %Y} {name.strip()}: {span_text(start, end)}"[:300],
    )
    schedule_changed(office)


def remove_holiday(
    *, session: Session, office: Office, holiday_id: int, actor: str, now: datetime
) -> None:
    row = session.get(Holiday, holiday_id)
    if row is None or row.office_id != office.id:
        raise InvalidInput({"holiday": gettext("No such holiday.")})
    session.delete(row)
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="hours",
        detail=f"holiday {row.day:%a %d %b %Y} removed: usual hours",
    )
    schedule_changed(office)


def _member(
    session: Session, office: Office, salesperson_id: int | None, field: str
) -> Salesperson:
    person = session.get(Salesperson, salesperson_id) if salesperson_id else None
    if person is None or person.office_id != office.id or not person.active:
        raise InvalidInput({field: gettext("Choose an active salesperson of the office.")})
    return person


def add_shift(
    *,
    session: Session,
    office: Office,
    salesperson_id: int | None,
    weekday: int,
    starts: str,
    ends: str,
    first_day: date,
    last_day: date | None,
    every_weeks: int,
    actor: str,
    now: datetime,
) -> DutyShift:
    """A repeating shift; an end not after the start is the next day's (20:00-08:00)."""
    person = _member(session, office, salesperson_id, "salesperson")
    if not 0 <= weekday <= 6:
        raise InvalidInput({"weekday": gettext("Choose a day of the week.")})
    if every_weeks not in (1, 2):
        raise InvalidInput({"every_weeks": gettext("Every week, or every second week.")})
    start, end = clock_minutes(starts, "starts"), clock_minutes(ends, "ends")
    if start >= 24 * 60 or start == end:
        raise InvalidInput({"ends": gettext("A shift ends at another time than it starts.")})
    if last_day is not None and last_day < first_day:
        raise InvalidInput({"last_day": gettext("The last day is before the first.")})
    shift = DutyShift(
        office_id=office.id,
        salesperson_id=person.id,
        weekday=weekday,
        starts=start,
        ends=end % (24 * 60),
        first_day=first_day,
        last_day=last_day,
        every_weeks=every_weeks,
    )
    session.add(shift)
    session.flush()
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="roster",
        detail=f"shift added: {person.name}, {shift_words(shift)}",
    )
    schedule_changed(office)
    return shift


def shift_words(shift: DutyShift) -> str:
    """'Saturdays 09:00-12:00, every second week from 05 Dec 2026'."""
    every = "every second week" if shift.every_weeks == 2 else "weekly"
    until = f" to {shift.last_day:%d %b %Y}" if shift.last_day else ""
    return (
        f"{WEEKDAY_NAMES[shift.weekday]}s {minutes_text(shift.starts)}-{minutes_text(shift.ends)}, "
        f"{every} from {shift.first_day:%d %b %Y}{until}"
    )


def add_weekend_pair(
    *,
    session: Session,
    office: Office,
    first_id: int | None,
    second_id: int | None,
    starts: str,
    ends: str,
    first_day: date,
    actor: str,
    now: datetime,
) -> list[DutyShift]:
    """C8: two salespeople take turns in 3-hour shifts on Saturdays and Sundays between
    ``starts`` and ``ends`` (a whole number of shifts); Sunday begins with the one who
    did not begin Saturday, so the two share the weekend evenly."""
    first = _member(session, office, first_id, "first")
    second = _member(session, office, second_id, "second")
    if first.id == second.id:
        raise InvalidInput({"second": gettext("Two different salespeople take turns.")})
    start, end = clock_minutes(starts, "starts"), clock_minutes(ends, "ends")
    if end <= start or (end - start) % SHIFT_MINUTES:
        raise InvalidInput({"ends": gettext("From start to end, a whole number of 3-hour shifts.")})
    made = []
    for weekday, pair in ((5, (first, second)), (6, (second, first))):
        for turn, at in enumerate(range(start, end, SHIFT_MINUTES)):
            made.append(
                add_shift(
                    session=session,
                    office=office,
                    salesperson_id=pair[turn % 2].id,
                    weekday=weekday,
                    starts=minutes_text(at),
                    ends=minutes_text(at + SHIFT_MINUTES),
                    first_day=first_day,
                    last_day=None,
                    every_weeks=1,
                    actor=actor,
                    now=now,
                )
            )
    return made


def end_shift(
    *, session: Session, office: Office, shift_id: int, today: date, actor: str, now: datetime
) -> None:
    """Take a shift off the roster from today on. One that never ran goes altogether
    (with any swap asked of it); one that ran stays on record, ended yesterday."""
    shift = session.get(DutyShift, shift_id)
    if shift is None or shift.office_id != office.id:
        raise InvalidInput({"shift": gettext("No such shift.")})
    if shift.first_day >= today:
        session.execute(delete(ShiftSwap).where(ShiftSwap.shift_id == shift.id))
        session.delete(shift)
    else:
        shift.last_day = min(shift.last_day or today, today - timedelta(days=1))
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="roster",
        detail=f"shift removed: {shift.salesperson.name}, {shift_words(shift)}",
    )
    schedule_changed(office)


def add_cover(
    *,
    session: Session,
    office: Office,
    salesperson_id: int | None,
    covers_id: int | None,
    first_day: date,
    last_day: date,
    actor: str,
    now: datetime,
) -> DutyCover:
    """ "Bruno covers Alice 14-16 Dec": every shift of Alice's starting on those days."""
    person = _member(session, office, salesperson_id, "salesperson")
    covered = session.get(Salesperson, covers_id) if covers_id else None
    if covered is None or covered.office_id != office.id:
        raise InvalidInput({"covers": gettext("Choose whom they cover.")})
    if person.id == covered.id:
        raise InvalidInput({"covers": gettext("Someone else covers them.")})
    if last_day < first_day or last_day - first_day > LONGEST_RANGE:
        raise InvalidInput({"last_day": gettext("A range of days, first to last, at most a year.")})
    cover = DutyCover(
        office_id=office.id,
        salesperson_id=person.id,
        covers_id=covered.id,
        first_day=first_day,
        last_day=last_day,
    )
    session.add(cover)
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="roster",
        detail=f"{person.name} covers {covered.name} {first_day:%d %b} - {last_day:%d %b %Y}",
    )
    schedule_changed(office)
    return cover


def remove_cover(
    *, session: Session, office: Office, cover_id: int, actor: str, now: datetime
) -> None:
    cover = session.get(DutyCover, cover_id)
    if cover is None or cover.office_id != office.id:
        raise InvalidInput({"cover": gettext("No such cover.")})
    session.delete(cover)
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind="roster",
        detail=f"cover removed: {cover.salesperson.name} for {cover.covers.name} "
        f"{cover.first_day:%d %b} - {cover.last_day:%d %b %Y}",
    )
    schedule_changed(office)
