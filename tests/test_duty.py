"""Who is on duty at an instant (routing/duty.py), pure like routing: the coordinator's
hours (C8) with holidays, the roster's repeating shifts, covers and swaps, the change of
shift at the minute, and daylight saving (wall-clock shifts in America/New_York)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from routing.decision import BUSY, IN_OFFICE, OFF_SHIFT, ON_LEAVE, PAUSED
from routing.duty import (
    Cover,
    OfficeCalendar,
    Roster,
    Shift,
    Span,
    Swap,
    coordinator_open,
    duty_at,
    occurrences,
    on_leave,
    status_at,
)

NY = "America/New_York"
ALICE, BRUNO, CARMEN = 1, 2, 3
SAT, SUN, MON = 5, 6, 0


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def shift(id_: int, who: int, weekday: int, starts: str, ends: str, **more) -> Shift:
    return Shift(
        id=id_,
        salesperson_id=who,
        weekday=weekday,
        starts=minutes(starts),
        ends=minutes(ends),
        first_day=more.pop("first_day", date(2026, 1, 5)),
        **more,
    )


def on_duty(roster: Roster, moment: datetime, calendar: OfficeCalendar | None = None):
    return duty_at(calendar or OfficeCalendar(NY), roster, moment).rostered


@pytest.mark.parametrize(
    ("utc", "is_open"),
    [
        (datetime(2026, 11, 23, 12, 59, 59), False),  # Mon 07:59:59 EST
        (datetime(2026, 11, 23, 13, 0), True),  # Mon 08:00, opening included
        (datetime(2026, 11, 24, 0, 59, 59), True),  # Mon 19:59:59
        (datetime(2026, 11, 24, 1, 0), False),  # Mon 20:00, closing excluded
        (datetime(2026, 11, 28, 13, 59), False),  # Sat 08:59
        (datetime(2026, 11, 28, 14, 0), True),  # Sat 09:00
        (datetime(2026, 11, 28, 23, 0), False),  # Sat 18:00
        (datetime(2026, 7, 6, 12, 0), True),  # Mon 08:00 EDT (summer: UTC-4)
        (datetime(2026, 7, 6, 11, 59), False),  # Mon 07:59 EDT
    ],
)
def test_the_c8_hours_by_default_in_the_office_zone(utc, is_open):
    assert coordinator_open(OfficeCalendar(NY), utc) is is_open


def test_a_holiday_closes_the_day_or_keeps_its_own_hours():
    christmas, eve = date(2026, 12, 25), date(2026, 12, 24)
    calendar = OfficeCalendar(NY, holidays={christmas: None, eve: Span(minutes("08:00"), 780)})
    assert not coordinator_open(calendar, datetime(2026, 12, 25, 16, 0))  # Fri 11:00
    assert coordinator_open(calendar, datetime(2026, 12, 24, 17, 59))  # Thu 12:59
    assert not coordinator_open(calendar, datetime(2026, 12, 24, 18, 0))  # Thu 13:00
    # Outside the coordinator's hours on a holiday, whoever is rostered takes the calls.
    roster = Roster((shift(1, ALICE, 4, "00:00", "00:00", first_day=date(2026, 12, 1)),))
    assert on_duty(roster, datetime(2026, 12, 25, 16, 0), calendar) == (ALICE,)


def test_the_shift_changes_at_the_minute():
    roster = Roster(
        (shift(1, ALICE, SAT, "09:00", "12:00"), shift(2, BRUNO, SAT, "12:00", "15:00"))
    )
    saturday = datetime(2026, 11, 28, 16, 59, 59)  # 11:59:59 EST
    assert on_duty(roster, saturday) == (ALICE,)
    assert on_duty(roster, datetime(2026, 11, 28, 17, 0)) == (BRUNO,)  # 12:00:00
    assert on_duty(roster, datetime(2026, 11, 28, 19, 59, 59)) == (BRUNO,)
    # 15:00: nobody is on a shift and the coordinator is in: the whole team, by status.
    assert on_duty(roster, datetime(2026, 11, 28, 20, 0)) is None


def test_an_overnight_shift_runs_past_midnight_into_the_next_day():
    roster = Roster((shift(1, ALICE, MON, "20:00", "08:00"),))
    assert on_duty(roster, datetime(2026, 11, 24, 1, 0)) == (ALICE,)  # Mon 20:00
    assert on_duty(roster, datetime(2026, 11, 24, 12, 59)) == (ALICE,)  # Tue 07:59
    assert on_duty(roster, datetime(2026, 11, 24, 13, 0)) is None  # Tue 08:00: coordinator
    assert on_duty(roster, datetime(2026, 11, 25, 2, 0)) == ()  # Tue 21:00: nobody


def test_a_three_hour_shift_across_the_spring_change_keeps_its_wall_clock_times():
    # 8 March 2026: New York's clocks go from 02:00 EST to 03:00 EDT.
    roster = Roster(
        (shift(1, ALICE, SUN, "00:00", "03:00"), shift(2, BRUNO, SUN, "03:00", "06:00"))
    )
    assert on_duty(roster, datetime(2026, 3, 8, 5, 0)) == (ALICE,)  # 00:00 EST
    assert on_duty(roster, datetime(2026, 3, 8, 6, 59, 59)) == (ALICE,)  # 01:59:59 EST
    # One second later it is 03:00 EDT: Alice's shift lasted two hours, Bruno's begins.
    assert on_duty(roster, datetime(2026, 3, 8, 7, 0)) == (BRUNO,)
    assert on_duty(roster, datetime(2026, 3, 8, 9, 59)) == (BRUNO,)  # 05:59 EDT
    assert on_duty(roster, datetime(2026, 3, 8, 10, 0)) == ()  # 06:00 EDT


def test_a_three_hour_shift_across_the_autumn_change_holds_the_repeated_hour_twice():
    # 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    roster = Roster(
        (shift(1, ALICE, SUN, "00:00", "03:00"), shift(2, BRUNO, SUN, "03:00", "06:00"))
    )
    assert on_duty(roster, datetime(2026, 11, 1, 5, 30)) == (ALICE,)  # 01:30 EDT
    assert on_duty(roster, datetime(2026, 11, 1, 6, 30)) == (ALICE,)  # 01:30 EST
    assert on_duty(roster, datetime(2026, 11, 1, 7, 59, 59)) == (ALICE,)  # 02:59:59 EST
    assert on_duty(roster, datetime(2026, 11, 1, 8, 0)) == (BRUNO,)  # 03:00 EST: 4 hours on


def test_a_cover_inside_a_repeating_pattern_takes_only_its_days():
    weeknights = Roster(
        (shift(1, ALICE, MON, "20:00", "08:00"), shift(2, ALICE, 1, "20:00", "08:00")),
        covers=(Cover(BRUNO, ALICE, date(2026, 12, 14), date(2026, 12, 14)),),
    )
    assert on_duty(weeknights, datetime(2026, 12, 8, 2, 0)) == (ALICE,)  # Mon 7 Dec 21:00
    assert on_duty(weeknights, datetime(2026, 12, 15, 2, 0)) == (BRUNO,)  # Mon 14 Dec 21:00
    # The Monday shift started on the 14th, so Bruno keeps it past midnight...
    assert on_duty(weeknights, datetime(2026, 12, 15, 12, 0)) == (BRUNO,)  # Tue 07:00
    # ...and Tuesday's, starting on the 15th, is Alice's again.
    assert on_duty(weeknights, datetime(2026, 12, 16, 2, 0)) == (ALICE,)
    assert on_duty(weeknights, datetime(2026, 12, 22, 2, 0)) == (ALICE,)


def test_alternating_weeks_count_from_the_first_days_week():
    roster = Roster(
        (
            shift(1, ALICE, SAT, "18:00", "21:00", first_day=date(2026, 11, 23), every_weeks=2),
            shift(2, BRUNO, SAT, "18:00", "21:00", first_day=date(2026, 11, 30), every_weeks=2),
        )
    )
    saturdays = [datetime(2026, 11, 28, 23, 30), datetime(2026, 12, 5, 23, 30)]
    assert [on_duty(roster, s) for s in saturdays] == [(ALICE,), (BRUNO,)]
    assert on_duty(roster, datetime(2026, 12, 12, 23, 30)) == (ALICE,)


def test_an_accepted_swap_gives_that_one_day_to_the_colleague():
    pattern = shift(1, ALICE, SAT, "18:00", "21:00")
    roster = Roster((pattern,), swaps=(Swap(1, date(2026, 12, 5), CARMEN),))
    assert on_duty(roster, datetime(2026, 12, 5, 23, 30)) == (CARMEN,)
    assert on_duty(roster, datetime(2026, 12, 12, 23, 30)) == (ALICE,)


def test_an_empty_roster_leaves_nobody_on_duty_outside_the_hours():
    duty = duty_at(OfficeCalendar(NY), Roster(), datetime(2026, 11, 24, 2, 0))
    assert duty.nobody_on_duty
    assert not duty_at(OfficeCalendar(NY), Roster(), datetime(2026, 11, 23, 15, 0)).nobody_on_duty


def test_occurrences_cross_the_year_and_name_who_takes_each():
    roster = Roster(
        (shift(1, ALICE, 3, "20:00", "08:00"),),
        covers=(Cover(BRUNO, ALICE, date(2026, 12, 31), date(2027, 1, 1)),),
    )
    found = occurrences(roster, date(2026, 12, 24), date(2027, 1, 7))
    assert [(o.day, o.salesperson_id) for o in found] == [
        (date(2026, 12, 24), ALICE),
        (date(2026, 12, 31), BRUNO),
        (date(2027, 1, 7), ALICE),
    ]
    assert found[1].ends_at == datetime(2027, 1, 1, 8, 0)


@pytest.mark.parametrize(
    ("stored", "leave", "rostered", "seen"),
    [
        (IN_OFFICE, False, None, IN_OFFICE),  # no roster applies: as the manager set it
        (IN_OFFICE, True, None, ON_LEAVE),
        (BUSY, False, (ALICE,), BUSY),  # on duty but said busy: skipped, make-up owed
        (OFF_SHIFT, False, (ALICE,), IN_OFFICE),  # rostered: on duty
        (IN_OFFICE, False, (BRUNO,), OFF_SHIFT),  # a roster applies and not on it
        (PAUSED, False, (ALICE,), PAUSED),  # out after missed pages until they say BACK
    ],
)
def test_a_status_at_an_instant(stored, leave, rostered, seen):
    assert status_at(stored, on_leave=leave, rostered=rostered, person_id=ALICE) == seen


def test_leave_includes_both_days():
    leave = (date(2026, 12, 14), date(2026, 12, 16))
    assert [on_leave(leave, date(2026, 12, d)) for d in (13, 14, 16, 17)] == [
        False,
        True,
        True,
        False,
    ]
    assert not on_leave((None, None), date(2026, 12, 14))
