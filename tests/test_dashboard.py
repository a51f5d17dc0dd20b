"""The manager's dashboard (C11) against leads and pages logged at known times, through
the same services the console and the webhooks use; and the sign-in rate limit."""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.dashboard import figures as dashboard
from dispatcher.dashboard import spreads
from dispatcher.dashboard.period import period_for
from dispatcher.extensions import db
from dispatcher.models import Lead
from tests.app_setup import PG_URL, sign_in
from tests.factories import acknowledged, missed, new_lead, person

TZ = "America/New_York"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
_numbers = itertools.count()


def call(office, at: datetime, to: str | None = None, **fields) -> Lead:
    """A lead logged at ``at`` (UTC) by a new caller; ``to`` a salesperson asked for."""
    fields.setdefault("caller_phone", f"202-555-{100 + next(_numbers) % 100:04d}")
    if to:
        fields["asked_for_id"] = person(to).id
    return new_lead(office, now=at, **fields)


def november():
    return period_for(date(2026, 11, 1), date(2026, 11, 30), TZ)


MONDAY = datetime(2026, 11, 23, 15, 0)  # 10:00 in New York


@pytest.fixture
def logged(office):
    """Alice: five acknowledgements after 30, 60, 90, 120 and 600 s; Bruno: two after 10
    and 20 s and one miss; one of Alice's from October, outside the range."""
    for index, seconds in enumerate((30, 60, 90, 120, 600)):
        at = MONDAY + timedelta(hours=index)
        acknowledged(call(office, at, "Alice Chen", source="Yard sign"), at, after=seconds)
    for index, seconds in enumerate((10, 20)):
        at = MONDAY + timedelta(days=1, hours=index)
        acknowledged(call(office, at, "Bruno Diaz", caller_name=""), at, after=seconds)
    missed_at = MONDAY + timedelta(days=2)
    missed(call(office, missed_at, "Bruno Diaz", kind="seller", source="Website"), missed_at)
    october = datetime(2026, 10, 20, 15, 0)
    acknowledged(call(office, october, "Alice Chen"), october, after=5)
    db.session.commit()
    return office


def by_name(rows, name):
    return next(row for row in rows if row["name"] == name)


def test_response_times_median_and_90th_percentile_per_salesperson(logged):
    people = dashboard.office_figures(
        session=db.session, office_id=logged.id, period=november()
    ).salespeople
    alice = next(p for p in people if p.name == "Alice Chen")
    bruno = next(p for p in people if p.name == "Bruno Diaz")
    # percentile_cont: the 90th of five is 3.6 ranks in: 120 + 0.6 * (600 - 120).
    assert alice.response == spreads.Spread(5, 90.0, 408.0)
    assert (alice.paged, alice.acknowledged, alice.acknowledgement_rate) == (5, 5, 1.0)
    assert bruno.response == spreads.Spread(2, 15.0, 19.0)
    assert (bruno.paged, bruno.acknowledged, bruno.missed, bruno.reassigned_away) == (3, 2, 1, 1)
    assert bruno.acknowledgement_rate == pytest.approx(2 / 3)
    carmen = next(p for p in people if p.name == "Carmen Ortiz")
    assert (carmen.paged, carmen.response) == (0, spreads.NO_DURATIONS)


def test_the_page_shows_the_figures_and_the_json_carries_them(manager, logged):
    response = manager.get("/manager/dashboard", query_string=NOVEMBER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 min 30 s" in html  # Alice's median
    data = manager.get("/manager/dashboard.json", query_string=NOVEMBER).get_json()
    alice = by_name(data["tables"]["salespeople"]["rows"], "Alice Chen")
    assert (alice["response_median"], alice["response_p90"]) == (90.0, 408.0)
    summary = data["tables"]["summary"]["rows"][0]
    # Eight leads in November; Bruno's two were logged without a name.
    assert (summary["leads"], summary["named"], summary["capture_rate"]) == (8, 6, 0.75)
    # Bruno was asked for by name and missed: the manager decides (C3).
    assert summary["to_manager"] == 1
    kinds = {row["kind"]: row["leads"] for row in data["tables"]["kinds"]["rows"]}
    assert kinds == {"buyer": 7, "seller": 1, "renter": 0, "landlord": 0, "other": 0}
    sources = {row["source"]: row["leads"] for row in data["tables"]["sources"]["rows"]}
    assert sources == {"Yard sign": 5, "(not recorded)": 2, "Website": 1}


def test_calls_are_counted_in_the_office_hour_and_weekday(manager, office):
    # 23:30 UTC on Monday 23 Nov is 18:30 in New York; 04:30 UTC on Tuesday is still
    # Monday 23:30 there.
    call(office, datetime(2026, 11, 23, 23, 30))
    call(office, datetime(2026, 11, 24, 4, 30))
    # Daylight saving ends at 06:00 UTC on 1 Nov 2026: 05:30 UTC is 01:30 EDT, 06:30 UTC
    # is 01:30 EST; 03:59 UTC is still 31 October there, outside the range.
    call(office, datetime(2026, 11, 1, 5, 30))
    call(office, datetime(2026, 11, 1, 6, 30), channel="walk_in")
    call(office, datetime(2026, 11, 1, 3, 59))
    db.session.commit()
    data = manager.get("/manager/dashboard.json", query_string=NOVEMBER).get_json()
    hours = {row["hour"]: row for row in data["tables"]["hours"]["rows"] if row["leads"]}
    assert {hour: row["leads"] for hour, row in hours.items()} == {
        "01:00": 2,
        "18:00": 1,
        "23:00": 1,
    }
    assert (hours["01:00"]["calls"], hours["01:00"]["walk_ins"]) == (1, 1)
    weekdays = {row["weekday"]: row["leads"] for row in data["tables"]["weekdays"]["rows"]}
    assert weekdays == {
        "Monday": 2,
        "Tuesday": 0,
        "Wednesday": 0,
        "Thursday": 0,
        "Friday": 0,
        "Saturday": 0,
        "Sunday": 2,
    }


def test_the_range_is_whole_office_days_across_a_daylight_saving_change():
    period = november()
    assert (period.start, period.end) == (datetime(2026, 11, 1, 4), datetime(2026, 12, 1, 5))
    assert period.offsets == ((datetime(2026, 11, 1, 6), -240), (None, -300))
    assert period.days == 30


def test_the_latest_leads_link_to_their_timeline(manager, logged):
    html = manager.get("/manager/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    lead = db.session.scalars(
        select(Lead).where(Lead.created_at >= MONDAY).order_by(Lead.created_at.desc())
    ).first()
    assert f'href="/leads/{lead.id}"' in html
    timeline = manager.get(f"/leads/{lead.id}")
    assert timeline.status_code == 200
    assert "<strong>Missed</strong>" in timeline.get_data(as_text=True)


def test_one_salespersons_leads(manager, logged):
    bruno = person("Bruno Diaz")
    data = manager.get(
        "/manager/dashboard.json", query_string={**NOVEMBER, "salesperson": bruno.id}
    ).get_json()
    rows = data["tables"]["leads"]["rows"]
    assert len(rows) == 3
    assert {row["last_salesperson"] for row in rows} == {"Bruno Diaz", "the manager"}


def read_csv(client, table: str, **args) -> list[dict]:
    response = client.get("/manager/dashboard.csv", query_string={**NOVEMBER, "table": table})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"dashboard-{table}-2026-11-01-2026-11-30.csv" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_matches_the_dashboard(manager, logged):
    data = manager.get("/manager/dashboard.json", query_string=NOVEMBER).get_json()
    for name in ("salespeople", "hours", "weekdays", "kinds", "sources", "listings", "summary"):
        table = data["tables"][name]
        rows = read_csv(manager, name)
        labels = [column["label"] for column in table["columns"]]
        assert list(rows[0]) == labels
        expected = [
            ["" if row[c["key"]] is None else str(row[c["key"]]) for c in table["columns"]]
            for row in table["rows"]
        ]
        assert [list(row.values()) for row in rows] == expected, name
    leads = read_csv(manager, "leads")
    assert len(leads) == 8  # every lead of November, not only the latest
    first = leads[0]
    assert (first["Logged (office time)"], first["Name recorded"]) == ("2026-11-23 10:00:00", "yes")
    assert "Mrs Example" not in str(leads) and "+1202555" not in str(leads)


def test_a_source_that_looks_like_a_formula_is_exported_as_text(manager, office):
    call(office, MONDAY, source="=HYPERLINK(1)")
    db.session.commit()
    rows = read_csv(manager, "sources")
    assert rows[0]["What brought them"] == "'=HYPERLINK(1)"


def test_no_outcomes_yet_is_said_plainly(manager, logged):
    html = manager.get("/manager/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    assert "no outcomes reported yet" in html.lower()


def test_acknowledgement_to_outcome_times_and_outcomes(manager, office):
    for minutes, outcome in ((10, "appointment_set"), (30, "no_answer"), (50, "appointment_set")):
        lead = call(office, MONDAY, "Alice Chen")
        page = acknowledged(lead, MONDAY, after=60)
        lead.outcome = outcome
        lead.outcome_at = page.acknowledged_at + timedelta(minutes=minutes)
    db.session.commit()
    data = manager.get("/manager/dashboard.json", query_string=NOVEMBER).get_json()
    alice = by_name(data["tables"]["salespeople"]["rows"], "Alice Chen")
    # From ten minutes on, outcome times are kept in buckets 2% wide: within 1%.
    assert alice["outcome_median"] == pytest.approx(1800.0, rel=0.01)
    assert alice["outcome_p90"] == pytest.approx(2760.0, rel=0.01)
    outcomes = {row["outcome"]: row["leads"] for row in data["tables"]["outcomes"]["rows"]}
    assert outcomes == {"appointment set": 2, "no answer": 1}


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        ({"from": "2026-13-01"}, "from", "is not a date"),
        ({"to": "yesterday"}, "to", "YYYY-MM-DD"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from", "comes after"),
        ({"from": "2010-01-01", "to": "2026-11-01"}, "from", "longer than"),
        ({"from": "1999-12-31", "to": "2000-01-02"}, "from", "year 2000"),
        ({"office": "999"}, "office", "no office"),
        ({"salesperson": "abc"}, "salesperson", "No such salesperson"),
    ],
)
def test_a_bad_range_or_filter_is_a_clear_400(manager, office, args, field, words):
    page = manager.get("/manager/dashboard", query_string=args)
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.get_data(as_text=True)
    answer = manager.get("/manager/dashboard.json", query_string=args)
    assert answer.status_code == 400
    assert words.lower() in answer.get_json()["errors"][field].lower()
    export = manager.get("/manager/dashboard.csv", query_string={**args, "table": "hours"})
    assert export.status_code == 400
    assert field in export.get_data(as_text=True)


def test_an_unknown_csv_table_is_a_400_naming_the_tables(manager, office):
    response = manager.get("/manager/dashboard.csv", query_string={"table": "passwords"})
    assert response.status_code == 400
    assert "salespeople" in response.get_data(as_text=True)


def test_the_default_range_is_the_last_30_days(manager, office):
    data = manager.get("/manager/dashboard.json").get_json()
    assert data["days"] == 30
    assert data["office"]["id"] == office.id


@pytest.mark.parametrize("url", ["/manager/dashboard", "/manager/dashboard.json"])
def test_only_managers_see_the_dashboard(client, office, url):
    assert client.get(url).status_code == 302  # to the sign-in
    sign_in(client, "coordinator")
    assert client.get(url).status_code == 403
    sign_in(client, "alice")
    assert client.get(url).status_code == 403
    assert client.get("/manager/dashboard.csv?table=leads").status_code == 403
    sign_in(client, "admin")
    assert client.get(url).status_code == 200


def test_managers_find_the_dashboard_in_the_menu(manager):
    assert 'href="/manager/dashboard"' in manager.get("/manager/salespeople").get_data(as_text=True)


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock")
@pytest.mark.commits  # another connection writes while the dashboard reads
def test_the_dashboard_reads_do_not_hold_the_write_lock(app, logged):
    from dispatcher.unit_of_work import report_session

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    office_id = logged.id
    db.session.rollback()  # the test's own session lets go of the file
    with report_session() as session:
        figures = dashboard.office_figures(session=session, office_id=office_id, period=november())
        assert figures.cells
        writer = sqlite3.connect(path, timeout=0, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # would raise 'database is locked'
        writer.execute("ROLLBACK")
        writer.close()


def failed_sign_in(client):
    return client.post("/sign-in", data={"username": "manager", "password": "wrong"})


def test_sign_in_attempts_are_limited_per_address(client, office):
    for _ in range(10):
        assert failed_sign_in(client).status_code == 200
    response = failed_sign_in(client)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # The right password waits too: the limit is on the address, not the guesses.
    blocked = client.post("/sign-in", data={"username": "manager", "password": "demo-password"})
    assert blocked.status_code == 429
    # Another address is not held up.
    other = client.post(
        "/sign-in",
        data={"username": "manager", "password": "wrong"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 200


def test_successful_sign_ins_do_not_count(client, office):
    for _ in range(12):
        sign_in(client, "coordinator")
    assert failed_sign_in(client).status_code == 200


@pytest.fixture
def limit_in_redis(settings):
    """The production set-up: counters in the app's Redis (embedded or TEST_REDIS_URL)."""
    settings.update(SIGN_IN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=None)


def test_the_limit_is_a_setting_and_counts_in_the_apps_redis(limit_in_redis, client, office):
    from dispatcher.extensions import limiter

    assert client.application.config["RATELIMIT_STORAGE_URI"].startswith("redis")
    assert type(limiter.storage).__name__ == "RedisStorage"
    assert [failed_sign_in(client).status_code for _ in range(3)] == [200, 200, 429]


@pytest.fixture
def behind_a_proxy(settings):
    settings.update(SIGN_IN_RATE_LIMIT="1 per minute", PROXY_HOPS=1)


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(behind_a_proxy, client, office):
    def attempt(forwarded_for):
        return client.post(
            "/sign-in",
            data={"username": "manager", "password": "wrong"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code

    assert attempt("198.51.100.1") == 200
    assert attempt("198.51.100.1") == 429
    # A client cannot escape by writing its own header in front of the proxy's entry.
    assert attempt("203.0.113.9, 198.51.100.1") == 429
    assert attempt("198.51.100.2") == 200


def test_the_embedded_redis_socket_is_named_for_the_limits_library():
    from dispatcher.extensions import limits_storage_uri

    assert limits_storage_uri("unix:///srv/instance/redis.sock") == (
        "redis+unix:///srv/instance/redis.sock"
    )
    assert limits_storage_uri("redis://localhost:6379/0") == "redis://localhost:6379/0"
