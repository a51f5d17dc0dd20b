"""The coordinator's hours (C8) as a pure function of the moment, in the office's time zone."""

from __future__ import annotations

from datetime import datetime

import pytest

from dispatcher.office.hours import CoordinatorHours, coordinator_on_duty, parse_span

HOURS = CoordinatorHours(
    weekdays=parse_span("08:00-20:00"),
    weekends=parse_span("09:00-18:00"),
    timezone="America/New_York",
)


@pytest.mark.parametrize(
    ("utc", "on_duty"),
    [
        (datetime(2026, 11, 23, 12, 59), False),  # Monday 07:59 in New York (EST)
        (datetime(2026, 11, 23, 13, 0), True),  # 08:00 opens
        (datetime(2026, 11, 24, 0, 59), True),  # Monday 19:59
        (datetime(2026, 11, 24, 1, 0), False),  # Monday 20:00 closes
        (datetime(2026, 11, 28, 0, 30), True),  # Friday 19:30, already Saturday in UTC
        (datetime(2026, 11, 28, 13, 30), False),  # Saturday 08:30: weekends open at 09:00
        (datetime(2026, 11, 28, 14, 0), True),  # Saturday 09:00
        (datetime(2026, 11, 28, 22, 59), True),  # Saturday 17:59
        (datetime(2026, 11, 28, 23, 0), False),  # Saturday 18:00 closes
        (datetime(2026, 11, 29, 19, 0), True),  # Sunday 14:00
        (datetime(2026, 11, 29, 23, 30), False),  # Sunday 18:30
        (datetime(2026, 7, 6, 12, 0), True),  # Monday 08:00 in summer (EDT)
        (datetime(2026, 7, 6, 11, 59), False),  # Monday 07:59 in summer
    ],
)
def test_the_coordinators_hours_in_the_office_time_zone(utc, on_duty):
    assert coordinator_on_duty(utc, HOURS) is on_duty


@pytest.mark.parametrize("text", ["8-20", "20:00-08:00", "08:00", "morning"])
def test_hours_that_make_no_sense_are_refused(text):
    with pytest.raises(ValueError, match="Coordinator hours"):
        parse_span(text)
