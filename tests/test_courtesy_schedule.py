"""When each courtesy message goes out (S1-S4), from routing.courtesy alone: the day and
the minute in the office's time zone, across zones and the clocks going back, spread over
the window, never in the quiet hours; the texts filled in and counted in SMS."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.courtesy import (
    ClientFacts,
    QuietHours,
    TemplateFacts,
    parse_quiet_hours,
    plan_day,
    render,
    sms_segments,
    unknown_placeholders,
)

NY = "America/New_York"


def local(moment: datetime, zone: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def utc_of(day: date, at: time, zone: str) -> datetime:
    """An office's wall-clock moment as naive UTC (what the database holds)."""
    moment = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)


BIRTHDAY = TemplateFacts(1, "birthday")
CONGRATULATIONS = TemplateFacts(2, "congratulations")
REMINDER = TemplateFacts(3, "signing_reminder")


@pytest.mark.parametrize("zone", [NY, "Asia/Shanghai", "Europe/London", "Pacific/Auckland"])
def test_a_birthday_greeting_goes_out_between_ten_and_half_past_on_the_day(zone):
    client = ClientFacts(7, "closed", birthday=date(1980, 3, 14))
    day = date(2026, 3, 14)
    (send,) = plan_day([BIRTHDAY], [client], day, zone)
    at = local(send.send_at, zone)
    assert at.date() == day and time(10) <= at.time() < time(10, 30)
    assert send.rule == "S1" and send.occasion == day
    assert plan_day([BIRTHDAY], [client], date(2026, 3, 13), zone) == []


def test_a_birthday_greeting_goes_only_to_clients_who_bought():
    day = date(2026, 3, 14)
    clients = [
        ClientFacts(n, stage, birthday=date(1980, 3, 14))
        for n, stage in enumerate(("potential", "intending", "closed", "invalid"))
    ]
    assert [s.client_id for s in plan_day([BIRTHDAY], clients, day, NY)] == [2]


def test_a_birthday_on_29_february_is_kept_on_the_28th_in_other_years():
    client = ClientFacts(1, "closed", birthday=date(1984, 2, 29))
    assert plan_day([BIRTHDAY], [client], date(2027, 2, 28), NY)
    assert plan_day([BIRTHDAY], [client], date(2028, 2, 29), NY)
    assert not plan_day([BIRTHDAY], [client], date(2028, 2, 28), NY)


def test_congratulations_go_the_day_after_the_subscription_in_office_days():
    # 23:30 on 5 May in New York is already 6 May in UTC: the office's day counts.
    subscribed = utc_of(date(2026, 5, 5), time(23, 30), NY)
    client = ClientFacts(1, "intending", subscribed_at=subscribed)
    assert not plan_day([CONGRATULATIONS], [client], date(2026, 5, 7), NY)
    (send,) = plan_day([CONGRATULATIONS], [client], date(2026, 5, 6), NY)
    at = local(send.send_at, NY)
    assert at.date() == date(2026, 5, 6) and time(10) <= at.time() < time(10, 30)
    assert send.rule == "S2" and send.occasion == date(2026, 5, 5)


def test_the_signing_reminder_goes_at_four_on_day_five_unless_the_contract_is_signed():
    subscribed = utc_of(date(2026, 5, 5), time(11), NY)
    waiting = ClientFacts(1, "intending", subscribed_at=subscribed)
    signed = ClientFacts(2, "intending", subscribed_at=subscribed, contract_signed=True)
    assert not plan_day([REMINDER], [waiting], date(2026, 5, 9), NY)
    sends = plan_day([REMINDER], [waiting, signed], date(2026, 5, 10), NY)
    assert [s.client_id for s in sends] == [1]
    at = local(sends[0].send_at, NY)
    assert at.date() == date(2026, 5, 10) and time(16) <= at.time() < time(16, 15)
    assert sends[0].rule == "S3"


def test_construction_news_goes_every_second_thursday_to_the_projects_buyers():
    news = TemplateFacts(4, "construction", project="Riverside", occasion_date=date(2026, 5, 7))
    buyer = ClientFacts(1, "closed", project="riverside")
    elsewhere = ClientFacts(2, "closed", project="Hilltop")
    looking = ClientFacts(3, "potential", project="Riverside")
    days = [date(2026, 5, 7) + timedelta(days=n) for n in range(35)]
    sent = {d for d in days if plan_day([news], [buyer, elsewhere, looking], d, NY)}
    assert sent == {date(2026, 5, 7), date(2026, 5, 21), date(2026, 6, 4)}
    assert {s.client_id for s in plan_day([news], [buyer, elsewhere, looking], days[0], NY)} == {1}


def test_show_flat_and_event_notices_go_three_days_ahead_holidays_on_the_day():
    show = TemplateFacts(5, "show_flat", occasion_date=date(2026, 6, 13))
    event = TemplateFacts(6, "event", occasion_date=date(2026, 6, 13))
    holiday = TemplateFacts(7, "holiday", occasion_date=date(2026, 12, 25))
    client = ClientFacts(1, "closed")
    assert [s.template_id for s in plan_day([show, event], [client], date(2026, 6, 10), NY)] in (
        [5, 6],
        [6, 5],
    )
    assert not plan_day([show, event], [client], date(2026, 6, 13), NY)
    (greeting,) = plan_day([holiday], [client], date(2026, 12, 25), NY)
    assert local(greeting.send_at, NY).date() == date(2026, 12, 25)


def test_the_day_the_clocks_go_back_keeps_ten_oclock_local():
    # 2026-11-01: New York leaves daylight saving at 02:00. 10:00 is 15:00 UTC that day,
    # 14:00 UTC the day before.
    before = ClientFacts(1, "closed", birthday=date(1970, 10, 31))
    after = ClientFacts(2, "closed", birthday=date(1970, 11, 1))
    (eve,) = plan_day([BIRTHDAY], [before], date(2026, 10, 31), NY)
    (day,) = plan_day([BIRTHDAY], [after], date(2026, 11, 1), NY)
    assert datetime(2026, 10, 31, 14) <= eve.send_at < datetime(2026, 10, 31, 14, 30)
    assert datetime(2026, 11, 1, 15) <= day.send_at < datetime(2026, 11, 1, 15, 30)
    assert time(10) <= local(day.send_at, NY).time() < time(10, 30)


def test_ten_thousand_birthdays_are_spread_over_the_window_the_same_each_time():
    day = date(2026, 3, 14)
    clients = [ClientFacts(n, "closed", birthday=date(1980, 3, 14)) for n in range(1, 10_001)]
    sends = plan_day([BIRTHDAY], clients, day, NY)
    seconds = {s.send_at for s in sends}
    assert len(sends) == 10_000 and len(seconds) > 1500  # not all at one instant
    start = utc_of(day, time(10), NY)
    minutes = {(s.send_at - start).seconds // 60 for s in sends}
    assert minutes == set(range(30))  # every minute of the window used
    assert plan_day([BIRTHDAY], clients, day, NY) == sends  # deterministic


def test_quiet_hours_move_a_send_to_their_end():
    client = ClientFacts(1, "closed", birthday=date(1980, 3, 14))
    quiet = QuietHours(time(9), time(11))  # an office that wants no texts before 11
    (send,) = plan_day([BIRTHDAY], [client], date(2026, 3, 14), NY, quiet)
    assert time(11) <= local(send.send_at, NY).time() < time(11, 30)
    evening = QuietHours(time(15, 30), time(9))
    reminder = ClientFacts(2, "intending", subscribed_at=utc_of(date(2026, 5, 5), time(9), NY))
    (late,) = plan_day([REMINDER], [reminder], date(2026, 5, 10), NY, evening)
    moved = local(late.send_at, NY)
    assert moved.date() == date(2026, 5, 11) and time(9) <= moved.time() < time(9, 15)


def test_quiet_hours_are_read_from_the_setting():
    assert parse_quiet_hours("21:00-09:00") == QuietHours()
    assert QuietHours().covers(time(23, 59)) and QuietHours().covers(time(8, 59))
    assert not QuietHours().covers(time(9)) and not QuietHours().covers(time(20, 59))
    for bad in ("9-5", "25:00-09:00", "21:00", "21:00-09:00; DROP"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_placeholders_are_filled_once_and_nothing_else_is_looked_up():
    values = {"client": "{salesperson}", "project": "Riverside", "date": "14 Mar 2026",
              "salesperson": "Alice"}
    text = "Dear {client}, {project} {date}. {salesperson} {client.__class__} {0} {{x}} %s"
    assert render(text, values) == (
        "Dear {salesperson}, Riverside 14 Mar 2026. Alice {client.__class__} {0} {{x}} %s"
    )
    assert unknown_placeholders("Hi {client} {price} {client.__class__}") == ["price"]


def test_sms_segments_follow_gsm7_and_ucs2():
    assert sms_segments("a" * 160) == sms_segments("a" * 160)
    assert (sms_segments("a" * 160).segments, sms_segments("a" * 161).segments) == (1, 2)
    assert sms_segments("a" * 306).segments == 2 and sms_segments("a" * 307).segments == 3
    assert sms_segments("€" * 80).units == 160 and sms_segments("€" * 81).segments == 2
    chinese = "亲爱的客户您好!祝您生日快乐"
    assert sms_segments(chinese).encoding == "UCS-2"
    assert (sms_segments("好" * 70).segments, sms_segments("好" * 71).segments) == (1, 2)
    assert sms_segments("好" * 134).segments == 2 and sms_segments("好" * 135).segments == 3
    assert sms_segments("😀" * 35).units == 70  # two UTF-16 units each
