"""Issue 18: the offices of a franchise. An admin sets an office up with its first
manager (screen and command); each office has its own deadline; the franchise role sees
every office read-only: the list with today's figures, each office's dashboard and the
whole franchise's, the same figures added up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import Office, Salesperson, User
from dispatcher.office.setup import create_office
from tests.app_setup import sign_in
from tests.factories import T0, new_lead, open_round_the_clock, page_out

PASSWORD = "franchise-password"


@pytest.fixture
def harbour(office):
    office.phone_number = "+12025550100"
    harbour = create_office(
        session=db.session, name="Harbour Office", timezone="Asia/Hong_Kong",
        phone="+12025550300", region="US",
    )  # fmt: skip
    open_round_the_clock(harbour)  # its calls page at once, whatever the hour in Hong Kong
    db.session.add(Salesperson(office_id=harbour.id, name="Hana Wong", mobile="+12025550301"))
    user = User(office_id=office.id, username="franchise", role="franchise")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return harbour


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_franchise_sees_every_office_with_todays_figures(app, office, harbour, clock):
    from dispatcher.clock import utcnow

    now = utcnow()
    for _ in range(2):
        new_lead(office, now=now)
    new_lead(harbour, now=now)
    db.session.commit()
    client = sign_in(app.test_client(), "franchise", PASSWORD)

    assert client.get("/").headers["Location"].endswith("/franchise/")
    page = client.get("/franchise/").get_data(as_text=True)

    assert "Century Office" in page and "Harbour Office" in page
    assert '<td class="num">2</td>' in page and '<td class="num">3</td>' in page  # and all


def test_the_whole_franchise_dashboard_adds_the_offices_up(app, office, harbour):
    for _ in range(2):
        new_lead(office, now=T0)
    new_lead(harbour, now=T0, caller_name="")
    db.session.commit()
    client = sign_in(app.test_client(), "franchise", PASSWORD)
    days = "from=2026-11-23&to=2026-11-24"

    one = client.get(f"/manager/dashboard.json?office={harbour.id}&{days}").get_json()
    every = client.get(f"/manager/dashboard.json?office=all&{days}").get_json()
    page = client.get(f"/manager/dashboard?office=all&{days}")

    assert one["tables"]["summary"]["rows"][0]["leads"] == 1
    assert every["office"]["name"] == "All offices"
    assert every["tables"]["summary"]["rows"][0]["leads"] == 3
    assert every["tables"]["summary"]["rows"][0]["named"] == 2
    names = {row["name"] for row in every["tables"]["salespeople"]["rows"]}
    assert {"Alice Chen (Century Office)", "Hana Wong (Harbour Office)"} <= names
    assert page.status_code == 200 and "All offices" in page.get_data(as_text=True)
    csv = client.get(f"/manager/dashboard.csv?office=all&table=summary&{days}")
    assert csv.status_code == 200 and csv.get_data(as_text=True).splitlines()[1].startswith("3,")


def test_a_manager_cannot_ask_for_every_office(app, office, harbour):
    client = sign_in(app.test_client(), "manager")

    response = client.get("/manager/dashboard.json?office=all")

    assert response.status_code == 400 and "office" in response.get_json()["errors"]


# -- an admin sets an office up ------------------------------------------------------------


NEW_OFFICE = {
    "name": "Kowloon Office",
    "timezone": "Asia/Hong_Kong",
    "phone": "(202) 555-0500",
    "manager_mobile": "202-555-0599",
    "ack_deadline_seconds": "120",
    "manager": "kowloon-manager",
    "manager_password": "kowloon-password",
}


def test_an_admin_sets_up_an_office_and_its_first_manager(app, office):
    admin = sign_in(app.test_client(), "admin")

    response = admin.post("/admin/offices/", data=NEW_OFFICE)

    assert response.status_code == 303, response.get_data(as_text=True)
    kowloon = db.session.scalar(select(Office).where(Office.name == "Kowloon Office"))
    assert (kowloon.phone_number, kowloon.ack_deadline_seconds) == ("+12025550500", 120)
    assert "Kowloon Office" in admin.get("/admin/offices/").get_data(as_text=True)
    manager = sign_in(app.test_client(), "kowloon-manager", "kowloon-password")
    assert manager.get("/api/salespeople").get_json()["salespeople"] == []


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("phone", "+12025550100", "already the number of Century Office"),
        ("timezone", "Mars/Olympus", "Not a time zone"),
        ("manager", "coordinator", "already exists"),
        ("manager_password", "short", "at least 10"),
        ("ack_deadline_seconds", "5", "Between 10 and 3600"),
    ],
)
def test_a_bad_office_is_refused_with_nothing_set_up(app, office, field, value, says):
    office.phone_number = "+12025550100"
    db.session.commit()
    admin = sign_in(app.test_client(), "admin")

    response = admin.post("/admin/offices/", data={**NEW_OFFICE, field: value})

    assert response.status_code == 400 and says in response.get_data(as_text=True)
    assert (count(Office), count(User)) == (1, 4)


def test_an_admin_changes_an_offices_number_and_deadline(app, office, harbour):
    admin = sign_in(app.test_client(), "admin")

    response = admin.post(
        f"/admin/offices/{harbour.id}",
        data={"name": "Harbour Office", "timezone": "Asia/Hong_Kong", "phone": "202-555-0301",
              "manager_mobile": "", "ack_deadline_seconds": "90"},
    )  # fmt: skip

    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert (harbour.phone_number, harbour.ack_deadline_seconds) == ("+12025550301", 90)


def test_create_office_makes_its_first_manager(app, monkeypatch):
    monkeypatch.setenv("OFFICE_MANAGER_PASSWORD", "kowloon-password")
    result = app.test_cli_runner().invoke(
        args=["create-office", "Kowloon Office", "--manager", "kowloon-manager",
              "--deadline", "120", "--phone", "202-555-0500"]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "kowloon-manager"))
    office = db.session.get(Office, user.office_id)
    assert (user.role, office.name, office.ack_deadline_seconds) == (
        "manager",
        "Kowloon Office",
        120,
    )
    sign_in(app.test_client(), "kowloon-manager", "kowloon-password")


def test_create_office_asks_for_the_managers_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-office", "Kowloon Office", "--manager", "kowloon-manager"],
        input="kowloon-password\nkowloon-password\n",
    )

    assert result.exit_code == 0, result.output
    assert count(User) == 1


# -- each office's deadline --------------------------------------------------------------


def test_an_offices_own_deadline_replaces_the_setting(app, office, harbour):
    harbour.ack_deadline_seconds = 60
    db.session.commit()

    here = page_out(new_lead(office), T0)
    there = page_out(new_lead(harbour), T0)

    assert here.deadline_at - T0 == timedelta(seconds=app.config["ACK_DEADLINE_SECONDS"])
    assert there.deadline_at - T0 == timedelta(seconds=60)


def test_the_manager_sets_the_offices_deadline_on_office_rules(app, office):
    manager = sign_in(app.test_client(), "manager")
    rules = {"ownership_lapse_days": "20", "target_area": "", "manager_mobile": ""}

    saved = manager.post("/manager/office", data={**rules, "ack_deadline_seconds": "45"})
    refused = manager.post("/manager/office", data={**rules, "ack_deadline_seconds": "4000"})

    assert saved.status_code == 303 and refused.status_code == 400
    db.session.expire_all()
    assert office.ack_deadline_seconds == 45
    changes = manager.get("/manager/changes").get_data(as_text=True)
    assert "acknowledgement deadline: the setting&#39;s -&gt; 45 s" in changes
