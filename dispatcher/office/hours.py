"""The coordinator's hours (C8): who answers a call to the office at a given moment.

Pure: the moment is an argument, so a test (or a replay) can ask about any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from dispatcher.clock import local_time

SATURDAY = 5


@dataclass(frozen=True)
class CoordinatorHours:
    """Opening and closing times (office time) on weekdays and at weekends."""

    weekdays: tuple[time, time]
    weekends: tuple[time, time]
    timezone: str


def parse_span(text: str) -> tuple[time, time]:
    """'08:00-20:00' -> (08:00, 20:00); ValueError naming the setting's expected form."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as error:
        raise ValueError(f"Coordinator hours must look like 08:00-20:00, not {text!r}") from error
    if not start < end:
        raise ValueError(f"Coordinator hours must open before they close: {text!r}")
    return start, end


def hours_from_config(config: Mapping, *, timezone: str) -> CoordinatorHours:
    """The hours the settings give, read in the office's time zone (Office.timezone)."""
    return CoordinatorHours(
        weekdays=parse_span(config["COORDINATOR_HOURS_WEEKDAYS"]),
        weekends=parse_span(config["COORDINATOR_HOURS_WEEKENDS"]),
        timezone=timezone,
    )


def check_hours_settings(config: Mapping) -> None:
    """ValueError for a COORDINATOR_HOURS_* setting that cannot be read."""
    parse_span(config["COORDINATOR_HOURS_WEEKDAYS"])
    parse_span(config["COORDINATOR_HOURS_WEEKENDS"])


def coordinator_on_duty(now: datetime, hours: CoordinatorHours) -> bool:
    """Whether the coordinator answers at ``now`` (naive UTC, as stored): opening time
    included, closing time not."""
    local = local_time(now, hours.timezone)
    start, end = hours.weekends if local.weekday() >= SATURDAY else hours.weekdays
    return start <= local.time().replace(tzinfo=None) < end
