"""Who answers at an instant: the coordinator's hours and the duty roster (C8), and what
each salesperson's status is then. Pure: the instant is an argument, nothing here reads a
clock or a database, so a test, a replay or the iCalendar feed can ask about any moment.

Times of day are wall-clock times in the office's zone, kept as minutes after midnight.
A span [opens, closes) includes its opening minute and not its closing one, so at the
minute a shift changes the new salesperson is on duty. A shift whose end is not after
its start ends the next day (20:00-08:00). Wall-clock times make daylight saving
follow the roster as people read it: a shift 00:00-03:00 on the night the clocks go
forward lasts two hours, and on the night they go back, four (01:30 happens twice, and
is inside the shift both times).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from routing.decision import BUSY, ERRAND, IN_OFFICE, OFF_SHIFT, ON_LEAVE, OUT, PAUSED


@dataclass(frozen=True)
class Span:
    """Opening hours of one day, in minutes after local midnight: [opens, closes)."""

    opens: int
    closes: int

    def holds(self, second_of_day: float) -> bool:
        return self.opens * 60 <= second_of_day < self.closes * 60


# C8: Monday to Friday 08:00-20:00, Saturday and Sunday 09:00-18:00.
C8_WEEK: tuple[Span | None, ...] = (Span(8 * 60, 20 * 60),) * 5 + (Span(9 * 60, 18 * 60),) * 2


@dataclass(frozen=True)
class OfficeCalendar:
    """The coordinator's hours per weekday (Monday first; None: closed that day) and the
    holidays (a date -> its hours, None: closed all day), in the office's zone."""

    timezone: str
    week: tuple[Span | None, ...] = C8_WEEK
    holidays: Mapping[date, Span | None] = field(default_factory=dict)

    def hours_on(self, day: date) -> Span | None:
        if day in self.holidays:
            return self.holidays[day]
        return self.week[day.weekday()]


@dataclass(frozen=True)
class Shift:
    """A repeating duty shift: on ``weekday`` from ``starts`` to ``ends`` (minutes; an end
    not after the start is the next day's), every ``every_weeks`` weeks counted from the
    week of ``first_day``, until ``last_day`` (None: for good)."""

    id: int
    salesperson_id: int
    weekday: int
    starts: int
    ends: int
    first_day: date
    last_day: date | None = None
    every_weeks: int = 1

    def falls_on(self, day: date) -> bool:
        if day.weekday() != self.weekday or day < self.first_day:
            return False
        if self.last_day is not None and day > self.last_day:
            return False
        first_monday = self.first_day - timedelta(days=self.first_day.weekday())
        return ((day - first_monday).days // 7) % self.every_weeks == 0

    @property
    def overnight(self) -> bool:
        return self.ends <= self.starts


@dataclass(frozen=True)
class Cover:
    """``salesperson_id`` takes every shift of ``covers_id`` that starts on a day from
    ``first_day`` to ``last_day`` ("Bruno covers Alice 14-16 Dec")."""

    salesperson_id: int
    covers_id: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Swap:
    """An accepted swap: ``salesperson_id`` takes the shift ``shift_id`` of ``day``."""

    shift_id: int
    day: date
    salesperson_id: int


@dataclass(frozen=True)
class Roster:
    """The manager's repeating shifts, the date-range covers, and the accepted swaps."""

    shifts: tuple[Shift, ...] = ()
    covers: tuple[Cover, ...] = ()
    swaps: tuple[Swap, ...] = ()
    # Indexes built once (a year of covers and swaps is still a few look-ups an instant).
    _by_weekday: tuple[tuple[Shift, ...], ...] = field(init=False, repr=False, compare=False)
    _swapped: dict = field(init=False, repr=False, compare=False)
    _covers_of: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_weekday = tuple(
            tuple(sorted((s for s in self.shifts if s.weekday == d), key=_shift_order))
            for d in range(7)
        )
        covers_of: dict[int, list[Cover]] = {}
        for cover in self.covers:
            covers_of.setdefault(cover.covers_id, []).append(cover)
        object.__setattr__(self, "_by_weekday", by_weekday)
        object.__setattr__(
            self, "_swapped", {(w.shift_id, w.day): w.salesperson_id for w in self.swaps}
        )
        object.__setattr__(self, "_covers_of", covers_of)

    def shifts_on(self, day: date) -> tuple[Shift, ...]:
        return tuple(s for s in self._by_weekday[day.weekday()] if s.falls_on(day))

    def who_takes(self, shift: Shift, day: date) -> int:
        """The rostered salesperson, after a swap of that day and then a cover."""
        person = self._swapped.get((shift.id, day), shift.salesperson_id)
        for cover in self._covers_of.get(person, ()):
            if cover.first_day <= day <= cover.last_day:
                return cover.salesperson_id
        return person


def _shift_order(shift: Shift) -> tuple[int, int]:
    return shift.starts, shift.id


@dataclass(frozen=True)
class Occurrence:
    """One shift on one day, and who takes it; the times are local wall-clock times."""

    shift: Shift
    day: date
    salesperson_id: int
    starts_at: datetime  # naive, office time
    ends_at: datetime

    def holds(self, local: datetime) -> bool:
        return self.starts_at <= local < self.ends_at


def occurrences(roster: Roster, first_day: date, last_day: date) -> list[Occurrence]:
    """Every shift starting on a day from ``first_day`` to ``last_day``, in time order."""
    found = []
    day = first_day
    while day <= last_day:
        midnight = datetime(day.year, day.month, day.day)
        for shift in roster.shifts_on(day):
            ends_day = midnight + timedelta(days=1) if shift.overnight else midnight
            found.append(
                Occurrence(
                    shift=shift,
                    day=day,
                    salesperson_id=roster.who_takes(shift, day),
                    starts_at=midnight + timedelta(minutes=shift.starts),
                    ends_at=ends_day + timedelta(minutes=shift.ends),
                )
            )
        day += timedelta(days=1)
    return found


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_wall_time(moment: datetime, timezone: str) -> datetime:
    """A stored UTC instant (naive) as the office's wall clock, naive."""
    return moment.replace(tzinfo=UTC).astimezone(_zone(timezone)).replace(tzinfo=None)


def coordinator_open(calendar: OfficeCalendar, moment: datetime) -> bool:
    """Whether the coordinator answers at ``moment`` (naive UTC): a holiday's hours
    (or closure) win over the weekday's."""
    local = local_wall_time(moment, calendar.timezone)
    hours = calendar.hours_on(local.date())
    return hours is not None and hours.holds(_second_of_day(local))


def _second_of_day(local: datetime) -> float:
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def shifts_at(roster: Roster, timezone: str, moment: datetime) -> list[Occurrence]:
    """The shifts running at ``moment`` (naive UTC): those that started today, and
    yesterday's that run past midnight."""
    local = local_wall_time(moment, timezone)
    today = local.date()
    running = occurrences(roster, today - timedelta(days=1), today)
    return [o for o in running if o.holds(local)]


@dataclass(frozen=True)
class DutyNow:
    """Who answers at an instant. ``rostered``: the salespeople on a shift then (in the
    roster's order), or None when no shift is running and the coordinator is in: then
    the whole team works by their statuses."""

    coordinator_open: bool
    rostered: tuple[int, ...] | None

    @property
    def nobody_on_duty(self) -> bool:
        """Outside the coordinator's hours with no shift running."""
        return not self.coordinator_open and not self.rostered


def duty_at(calendar: OfficeCalendar, roster: Roster, moment: datetime) -> DutyNow:
    """Who is on duty at ``moment`` (naive UTC). During the coordinator's hours a running
    shift (the weekend's 3-hour shifts) narrows the team to those on it; outside them,
    only those on a shift take leads."""
    is_open = coordinator_open(calendar, moment)
    on_shift = tuple(
        dict.fromkeys(o.salesperson_id for o in shifts_at(roster, calendar.timezone, moment))
    )
    if is_open and not on_shift:
        return DutyNow(True, None)
    return DutyNow(is_open, on_shift)


def status_at(
    status: str, *, on_leave: bool, rostered: tuple[int, ...] | None, person_id: int
) -> str:
    """A salesperson's status at an instant, as routing reads it.

    On leave wins; taken out after missed pages stays out until they come back. When a
    roster applies, those not on a shift are off shift, and those on one are on duty:
    in the office unless they said they are out, busy or on an errand."""
    if on_leave:
        return ON_LEAVE
    if status == PAUSED or rostered is None:
        return status
    if person_id not in rostered:
        return OFF_SHIFT
    return status if status in (OUT, BUSY, ERRAND) else IN_OFFICE


def on_leave(leave: tuple[date | None, date | None], day: date) -> bool:
    """Whether ``day`` falls in the leave [from, until] (both inclusive; unset: none)."""
    start, until = leave
    return start is not None and until is not None and start <= day <= until
