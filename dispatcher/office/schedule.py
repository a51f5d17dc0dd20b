"""An office's calendar and duty roster read from the records into routing.duty's plain
data, and who is on duty at an instant.

Compiled once per process for each office's ``schedule_stamp`` (every edit draws a new
one, office/roster_edits.py), so routing a lead reads no roster rows: the office row it
already holds says whether the copy kept is current.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import DutyCover, DutyShift, Holiday, Office, OfficeHours, ShiftSwap
from dispatcher.models import Salesperson as SalespersonRow
from routing.decision import ON_LEAVE, PAUSED, Salesperson
from routing.duty import (
    C8_WEEK,
    Cover,
    DutyNow,
    OfficeCalendar,
    Roster,
    Shift,
    Span,
    Swap,
    duty_at,
    local_wall_time,
    on_leave,
    status_at,
)

SWAP_ACCEPTED = "accepted"


@dataclass(frozen=True)
class Schedule:
    calendar: OfficeCalendar
    roster: Roster

    def duty(self, moment: datetime) -> DutyNow:
        return duty_at(self.calendar, self.roster, moment)


_compiled: dict[tuple[int, str, str], Schedule] = {}
_lock = threading.Lock()
KEEP = 64  # offices whose schedules a process keeps


def office_schedule(*, session: Session, office: Office) -> Schedule:
    """The office's schedule as of its stamp; read from the records only when it changed."""
    key = (office.id, office.schedule_stamp, office.timezone)
    found = _compiled.get(key)
    if found is None:
        found = read_schedule(session=session, office=office)
        with _lock:
            if len(_compiled) >= KEEP:
                _compiled.clear()
            _compiled[key] = found
    return found


def read_schedule(*, session: Session, office: Office) -> Schedule:
    week = list(C8_WEEK)
    for row in session.scalars(select(OfficeHours).where(OfficeHours.office_id == office.id)):
        week[row.weekday] = _span(row.opens, row.closes)
    holidays = {
        row.day: _span(row.opens, row.closes)
        for row in session.scalars(select(Holiday).where(Holiday.office_id == office.id))
    }
    shifts = tuple(
        Shift(
            id=row.id,
            salesperson_id=row.salesperson_id,
            weekday=row.weekday,
            starts=row.starts,
            ends=row.ends,
            first_day=row.first_day,
            last_day=row.last_day,
            every_weeks=row.every_weeks,
        )
        for row in session.scalars(select(DutyShift).where(DutyShift.office_id == office.id))
    )
    covers = tuple(
        Cover(row.salesperson_id, row.covers_id, row.first_day, row.last_day)
        for row in session.scalars(select(DutyCover).where(DutyCover.office_id == office.id))
    )
    swaps = tuple(
        Swap(row.shift_id, row.day, row.colleague_id)
        for row in session.scalars(
            select(ShiftSwap).where(
                ShiftSwap.office_id == office.id, ShiftSwap.state == SWAP_ACCEPTED
            )
        )
    )
    return Schedule(
        OfficeCalendar(office.timezone, tuple(week), holidays), Roster(shifts, covers, swaps)
    )


def _span(opens: int | None, closes: int | None) -> Span | None:
    return Span(opens, closes) if opens is not None and closes is not None else None


def team_at(
    team: tuple[Salesperson, ...],
    *,
    duty: DutyNow,
    leaves: dict[int, tuple[date | None, date | None]],
    today: date,
) -> tuple[Salesperson, ...]:
    """The team with each status as it stands at the instant: on leave, off shift when a
    roster applies and they are not on it, on duty when they are (routing.duty)."""
    changed = []
    for person in team:
        status = status_at(
            person.status,
            on_leave=on_leave(leaves.get(person.id, (None, None)), today),
            rostered=duty.rostered,
            person_id=person.id,
        )
        changed.append(person if status == person.status else _with_status(person, status))
    return tuple(changed)


def _with_status(person: Salesperson, status: str) -> Salesperson:
    return Salesperson(
        id=person.id,
        name=person.name,
        rotation_position=person.rotation_position,
        active=person.active,
        status=status,
        skills=person.skills,
    )


def office_today(office: Office, moment: datetime) -> date:
    return local_wall_time(moment, office.timezone).date()


def on_duty_people(*, session: Session, office: Office, now: datetime) -> list[SalespersonRow]:
    """Those on a shift at ``now`` who can take a call, in the roster's order: active,
    not on leave, not taken out after missed pages (routing.duty.status_at)."""
    duty = office_schedule(session=session, office=office).duty(now)
    if not duty.rostered:
        return []
    rows = {
        row.id: row
        for row in session.scalars(
            select(SalespersonRow).where(SalespersonRow.id.in_(duty.rostered))
        )
    }
    today = office_today(office, now)
    found = []
    for person_id in duty.rostered:
        row = rows.get(person_id)
        if row is None or not row.active:
            continue
        status = status_at(
            row.status,
            on_leave=on_leave((row.leave_from, row.leave_until), today),
            rostered=duty.rostered,
            person_id=row.id,
        )
        if status not in (ON_LEAVE, PAUSED):
            found.append(row)
    return found


def nobody_to_take(*, session: Session, office: Office, now: datetime) -> bool:
    """Outside the coordinator's hours with nobody on a shift who can take a lead (none
    running, or only someone on leave or out of the rotation): a lead then is held, or
    the manager's (Office.nobody_on_duty)."""
    duty = office_schedule(session=session, office=office).duty(now)
    if duty.coordinator_open:
        return False
    return not on_duty_people(session=session, office=office, now=now)
