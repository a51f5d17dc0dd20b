"""Each office reads the numbers typed for it as its own country's: its phone region
(Office.phone_region), else the PHONE_REGION setting. A Hong Kong coordinator types
"9123 4567", not "+852 9123 4567"; an office without a region behaves as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Lead, Office, Role, Salesperson, User
from dispatcher.office.setup import create_office
from tests.app_setup import sign_in
from tests.factories import count, open_round_the_clock

PASSWORD = "harbour-password"
HK_TYPED = "9123 4567"
HK_E164 = "+85291234567"
CALL = {"caller_name": "Mr Chan", "kind": "buyer", "channel": "call", "source": "Yard sign"}


@pytest.fixture
def harbour(office):
    """The demo's second office, in Hong Kong, with its coordinator and a salesperson."""
    office.phone_number = "+12025550100"
    harbour = create_office(
        session=db.session, name="Harbour Office", timezone="Asia/Hong_Kong",
        phone="+12025550300", region="US", phone_region="hk",
    )  # fmt: skip
    open_round_the_clock(harbour)
    db.session.add(Salesperson(office_id=harbour.id, name="Hana Wong", mobile="+12025550301"))
    for username, role in (
        ("harbour-coordinator", Role.COORDINATOR),
        ("harbour-mgr", Role.MANAGER),
    ):
        user = User(office_id=harbour.id, username=username, role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()
    return harbour


def the_lead() -> Lead:
    return db.session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))


def test_a_hong_kong_coordinator_types_a_local_number_and_it_is_kept_in_e164(app, harbour):
    assert harbour.phone_region == "HK"  # kept upper case
    coordinator = sign_in(app.test_client(), "harbour-coordinator", PASSWORD)

    response = coordinator.post("/leads", data={**CALL, "caller_phone": HK_TYPED})

    assert response.status_code == 302, response.get_data(as_text=True)
    assert (the_lead().office_id, the_lead().caller_phone) == (harbour.id, HK_E164)
    # The look-up as it is typed reads it the same way.
    found = coordinator.post("/callers/lookup", json={"phone": HK_TYPED}).get_json()
    assert found["complete"] is True


def test_the_same_number_typed_in_an_office_without_a_region_is_refused_as_before(
    app, office, harbour
):
    assert office.phone_region is None
    coordinator = sign_in(app.test_client(), "coordinator")

    response = coordinator.post("/leads", data={**CALL, "caller_phone": HK_TYPED})

    assert response.status_code == 400
    assert "Not a valid phone number" in response.get_data(as_text=True)
    assert count(Lead) == 0
    # A US number typed nationally is still read as PHONE_REGION (US) says.
    assert (
        coordinator.post("/leads", data={**CALL, "caller_phone": "(202) 555-0188"}).status_code
        == 302
    )
    assert the_lead().caller_phone == "+12025550188"


def test_the_console_shows_an_example_number_of_the_offices_country(app, office, harbour):
    harbour_page = sign_in(app.test_client(), "harbour-coordinator", PASSWORD).get("/")
    century_page = sign_in(app.test_client(), "coordinator").get("/")

    assert 'placeholder="5123 4567"' in harbour_page.get_data(as_text=True)
    assert 'placeholder="(201) 555-0123"' in century_page.get_data(as_text=True)


def test_the_api_reads_numbers_in_the_region_of_its_tokens_office(app, harbour):
    made = app.test_cli_runner().invoke(args=["create-token", "hk", "--office", "Harbour Office"])
    assert made.exit_code == 0, made.output
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {made.output.strip()}"

    response = api.post("/api/leads", json={**CALL, "caller_phone": HK_TYPED})

    assert response.status_code == 201, response.get_json()
    assert (the_lead().office_id, the_lead().caller_phone) == (harbour.id, HK_E164)


def test_the_api_reads_a_salespersons_mobile_in_the_managers_office_region(app, harbour):
    manager = sign_in(app.test_client(), "harbour-mgr", PASSWORD)

    response = manager.post("/api/salespeople", json={"name": "Ivan Lee", "mobile": "6123 4567"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mobile"] == "+85261234567"


def test_a_salespersons_mobile_typed_nationally_in_a_hong_kong_office(app, harbour):
    manager = sign_in(app.test_client(), "harbour-mgr", PASSWORD)

    response = manager.post("/manager/salespeople", data={"name": "Jade Ho", "mobile": "6123 4567"})

    assert response.status_code == 302, response.get_data(as_text=True)
    jade = db.session.scalar(select(Salesperson).where(Salesperson.name == "Jade Ho"))
    assert (jade.office_id, jade.mobile) == (harbour.id, "+85261234567")


def test_import_salespeople_reads_the_csv_in_the_offices_region(app, harbour, tmp_path):
    csv = tmp_path / "team.csv"
    csv.write_text("name,mobile,skills\nKit Lam,6123 4567,rental\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(
        args=["import-salespeople", str(csv), "--office", "Harbour Office"]
    )

    assert result.exit_code == 0, result.output
    kit = db.session.scalar(select(Salesperson).where(Salesperson.name == "Kit Lam"))
    assert (kit.office_id, kit.mobile) == (harbour.id, "+85261234567")


def test_create_and_update_office_set_the_region_and_refuse_an_unknown_one(app, office):
    runner = app.test_cli_runner()

    made = runner.invoke(
        args=["create-office", "Kowloon Office", "--phone-region", "HK", "--phone", "2123 4567"]
    )
    refused = runner.invoke(args=["create-office", "Taipei Office", "--phone-region", "XX"])

    assert made.exit_code == 0, made.output
    kowloon = db.session.scalar(select(Office).where(Office.name == "Kowloon Office"))
    assert (kowloon.phone_region, kowloon.phone_number) == ("HK", "+85221234567")
    assert refused.exit_code != 0 and "Not a phone region" in refused.output
    assert db.session.scalar(select(Office).where(Office.name == "Taipei Office")) is None

    bad = runner.invoke(args=["update-office", "--office", "Kowloon Office", "--phone-region", "ZZ",
                              "--timezone", "Asia/Taipei"])  # fmt: skip
    db.session.expire_all()
    assert bad.exit_code != 0 and "Not a phone region" in bad.output
    assert (kowloon.phone_region, kowloon.timezone) == ("HK", "America/New_York")

    changed = runner.invoke(
        args=["update-office", "--office", "Kowloon Office", "--phone-region", "tw"]
    )
    db.session.expire_all()
    assert changed.exit_code == 0, changed.output
    assert kowloon.phone_region == "TW"
    cleared = runner.invoke(
        args=["update-office", "--office", "Kowloon Office", "--phone-region", ""]
    )
    db.session.expire_all()
    assert cleared.exit_code == 0, cleared.output
    assert kowloon.phone_region is None  # the PHONE_REGION setting again


NEW_OFFICE = {
    "name": "Kowloon Office",
    "timezone": "Asia/Hong_Kong",
    "phone_region": "HK",
    "phone": "2123 4567",
    "manager_mobile": "9123 4567",
    "manager": "kowloon-manager",
    "manager_password": "kowloon-password",
}


def test_an_admin_sets_up_an_office_with_its_region_and_its_numbers_read_there(app, office):
    admin = sign_in(app.test_client(), "admin")

    response = admin.post("/admin/offices/", data=NEW_OFFICE)

    assert response.status_code == 303, response.get_data(as_text=True)
    kowloon = db.session.scalar(select(Office).where(Office.name == "Kowloon Office"))
    assert (kowloon.phone_region, kowloon.phone_number, kowloon.manager_mobile) == (
        "HK",
        "+85221234567",
        "+85291234567",
    )


def test_an_admin_changes_and_clears_an_offices_region(app, office, harbour):
    admin = sign_in(app.test_client(), "admin")
    form = {"name": "Harbour Office", "timezone": "Asia/Hong_Kong", "phone": "+12025550300"}

    page = admin.get(f"/admin/offices/{harbour.id}").get_data(as_text=True)
    taiwan = admin.post(
        f"/admin/offices/{harbour.id}",
        data={**form, "phone_region": "TW", "manager_mobile": "0912 345 678"},
    )
    db.session.expire_all()
    assert 'name="phone_region" value="HK"' in page
    assert taiwan.status_code == 303, taiwan.get_data(as_text=True)
    assert (harbour.phone_region, harbour.manager_mobile) == ("TW", "+886912345678")

    cleared = admin.post(f"/admin/offices/{harbour.id}", data={**form, "phone_region": ""})
    db.session.expire_all()
    assert cleared.status_code == 303 and harbour.phone_region is None


@pytest.mark.parametrize("where", ["/admin/offices/", "edit"])
def test_an_unknown_region_on_the_admin_screen_is_refused_with_nothing_changed(
    app, office, harbour, where
):
    admin = sign_in(app.test_client(), "admin")
    before = db.session.scalar(select(Office.id).order_by(Office.id.desc()).limit(1))

    if where == "edit":
        response = admin.post(
            f"/admin/offices/{harbour.id}",
            data={"name": "Harbour Two", "timezone": "Asia/Hong_Kong", "phone_region": "Hong Kong"},
        )
    else:
        response = admin.post(where, data={**NEW_OFFICE, "phone_region": "QQ"})

    assert response.status_code == 400
    assert "Not a phone region" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Office.id).order_by(Office.id.desc()).limit(1)) == before
    assert (harbour.name, harbour.phone_region) == ("Harbour Office", "HK")


def test_the_demos_harbour_office_reads_hong_kong_numbers(app, office):
    from dispatcher.clock import utcnow
    from dispatcher.dev.demo import SECOND_OFFICE, load_second_office

    assert load_second_office(session=db.session, first=office, region="US", now=utcnow())
    harbour = db.session.scalar(select(Office).where(Office.name == SECOND_OFFICE))

    assert harbour.phone_region == "HK"


@pytest.mark.settings(COORDINATOR_PHONE="+12025550150")
@pytest.mark.parametrize("settings", [{"outbox": True}], indirect=True)
def test_the_development_phone_calls_from_a_number_typed_as_the_office_types_it(app, harbour):
    coordinator = sign_in(app.test_client(), "harbour-coordinator", PASSWORD)

    response = coordinator.post("/dev/phone/call", data={"from_number": HK_TYPED})

    assert response.status_code == 302
    stub = db.session.scalar(select(Lead).where(Lead.office_id == harbour.id))
    assert stub is not None and stub.caller_phone == HK_E164
