"""Which office a request serves (issue #14, item 5): the signed-in user's, the API
token's, or, for Twilio's webhooks, the one whose number was called or texted; never a
guess, and never an office made up on the fly. Times are shown in the office's own zone."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import (
    ApiToken,
    InboundCall,
    InboundMessage,
    Lead,
    Office,
    Salesperson,
    User,
)
from dispatcher.office.setup import create_office
from tests.app_setup import sign_in
from tests.factories import new_lead, open_round_the_clock
from tests.webhook_helpers import (
    ALICE,
    STRANGER,
    call_params,
    post_signed,
    sms_params,
)

pytestmark = pytest.mark.twilio


HARBOUR_NUMBER = "+12025550300"
CENTURY_NUMBER = "+12025550100"
PASSWORD = "harbour-password"
# Wednesday 25 Nov 2026, 03:00 UTC: 11:00 in Hong Kong, 22:00 (Tuesday) in New York.
HK_MORNING = datetime(2026, 11, 25, 3, 0)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def harbour_office(*, timezone: str = "Asia/Hong_Kong") -> Office:
    """A second office with a salesperson and a coordinator's sign-in of its own."""
    office = create_office(
        session=db.session,
        name="Harbour Office",
        timezone=timezone,
        phone=HARBOUR_NUMBER,
        region="US",
    )
    db.session.add(Salesperson(office_id=office.id, name="Hana Wong", mobile="+12025550301"))
    user = User(office_id=office.id, username="harbour-coordinator", role="coordinator")
    user.set_password(PASSWORD)
    db.session.add(user)
    open_round_the_clock(office)  # the API logs at the real clock's hour
    db.session.commit()
    return office


@pytest.fixture
def two_offices(office):
    office.phone_number = CENTURY_NUMBER
    db.session.commit()
    return office, harbour_office()


def run(app, *args: str, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


# -- a signed-in user's office ------------------------------------------------------------


def test_a_user_sees_and_logs_in_their_own_office_only(app, client, two_offices):
    century, harbour = two_offices
    sign_in(client, "harbour-coordinator", PASSWORD)

    names = [p["name"] for p in client.get("/api/salespeople").get_json()["salespeople"]]
    assert names == ["Hana Wong"]
    created = client.post("/api/leads", json={"caller_phone": "202-555-0188", "kind": "buyer"})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["paged"]["name"] == "Hana Wong"
    assert db.session.get(Lead, created.get_json()["id"]).office_id == harbour.id

    century_client = sign_in(app.test_client(), "coordinator")  # the other office's
    assert century_client.get("/api/salespeople").get_json()["salespeople"][0]["name"] != (
        "Hana Wong"
    )
    assert century_client.get(f"/leads/{created.get_json()['id']}").status_code == 404


def test_the_sign_in_page_names_no_office_before_it_knows_whose(client, two_offices):
    """With several offices the sign-in page once showed the first one's name to all."""
    page = client.get("/sign-in").get_data(as_text=True)

    assert "Century Office" not in page and "Harbour" not in page
    assert "<strong>Dispatch</strong>" in page and "<title>Sign in</title>" in page


def test_the_sign_in_page_of_the_only_office_names_it(client, office):
    office.name = "Elm Street Realty"
    db.session.commit()

    assert "Elm Street Realty dispatch" in client.get("/sign-in").get_data(as_text=True)


# -- a webhook's office: the number called or texted ------------------------------------


def test_a_call_is_logged_in_the_office_whose_number_was_called(client, two_offices):
    century, harbour = two_offices

    for number, office in ((HARBOUR_NUMBER, harbour), (CENTURY_NUMBER, century)):
        response = post_signed(client, "/twilio/voice", call_params(STRANGER, To=number))
        assert response.status_code == 200, response.get_data(as_text=True)
        stub = db.session.scalars(select(Lead).order_by(Lead.id.desc())).first()
        assert stub.office_id == office.id


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/voice", call_params(STRANGER, To="+12025550399")),
        ("/twilio/sms", sms_params("OK", ALICE, To="+12025550399")),
    ],
)
def test_a_number_that_is_no_offices_records_nothing(client, two_offices, path, params):
    response = post_signed(client, path, params)

    assert response.status_code == 404
    assert "No office has the number" in response.get_data(as_text=True)
    assert (count(Lead), count(InboundCall), count(InboundMessage)) == (0, 0, 0)


def test_the_only_office_without_a_number_answers_any_number(client, office):
    assert office.phone_number is None
    response = post_signed(client, "/twilio/voice", call_params(STRANGER, To="+12025550399"))

    assert response.status_code == 200
    assert db.session.scalar(select(Lead.office_id)) == office.id


def test_the_only_office_with_a_number_answers_that_number_only(client, office):
    office.phone_number = CENTURY_NUMBER
    db.session.commit()

    other = post_signed(client, "/twilio/voice", call_params(STRANGER, To="+12025550399"))
    own = post_signed(client, "/twilio/voice", call_params(STRANGER, To=CENTURY_NUMBER))

    assert (other.status_code, own.status_code) == (404, 200)
    assert count(Lead) == 1


# -- no office yet: a clear answer, nothing made up ---------------------------------------


def test_without_an_office_requests_say_so_and_create_nothing(app, settings, client):
    app.config["API_TOKEN"] = "a-provisioned-token-for-this-test"
    api = client.get(
        "/api/salespeople", headers={"Authorization": "Bearer a-provisioned-token-for-this-test"}
    )
    webhook = post_signed(client, "/twilio/voice", call_params(STRANGER))

    assert api.status_code == 503
    assert api.get_json() == {"error": "No office is set up yet: run flask create-office."}
    assert webhook.status_code == 503
    assert "run flask create-office" in webhook.get_data(as_text=True)
    assert client.get("/").status_code == 302  # to the sign-in page
    assert client.get("/sign-in").status_code == 200
    assert (count(Office), count(Lead), count(InboundCall)) == (0, 0, 0)


def test_the_provisioned_token_acts_for_the_only_office_not_one_of_several(app, two_offices):
    app.config["API_TOKEN"] = "a-provisioned-token-for-this-test"
    headers = {"Authorization": "Bearer a-provisioned-token-for-this-test"}

    response = app.test_client().get("/api/salespeople", headers=headers)

    assert response.status_code == 503
    assert "several offices" in response.get_json()["error"]


# -- the commands -------------------------------------------------------------------------


def test_create_office_sets_up_an_office_with_its_zone_and_number(app):
    result = run(app, "create-office", "Harbour Office", "--timezone", "Asia/Hong_Kong",
                 "--phone", "(202) 555-0300")  # fmt: skip

    assert result.exit_code == 0, result.output
    office = db.session.scalar(select(Office))
    assert (office.name, office.timezone, office.phone_number) == (
        "Harbour Office",
        "Asia/Hong_Kong",
        HARBOUR_NUMBER,
    )


def test_create_office_takes_the_zone_setting_as_its_default(app):
    app.config["OFFICE_TIMEZONE"] = "Europe/London"
    assert run(app, "create-office", "Town Office").exit_code == 0
    assert db.session.scalar(select(Office.timezone)) == "Europe/London"


def test_create_office_refuses_a_bad_zone_or_a_taken_number(app, two_offices):
    bad_zone = run(app, "create-office", "Elsewhere", "--timezone", "Mars/Olympus")
    taken = run(app, "create-office", "Elsewhere", "--phone", HARBOUR_NUMBER)

    assert bad_zone.exit_code != 0 and "Not a time zone" in bad_zone.output
    assert taken.exit_code != 0 and "already the number of Harbour Office" in taken.output
    assert count(Office) == 2


def test_update_office_changes_the_zone_and_the_number(app, office):
    result = run(app, "update-office", "--timezone", "Asia/Hong_Kong", "--phone", HARBOUR_NUMBER)

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (office.timezone, office.phone_number) == ("Asia/Hong_Kong", HARBOUR_NUMBER)


def test_create_user_and_token_take_the_office(app, two_offices):
    _, harbour = two_offices

    unnamed = run(app, "create-user", "pat", "--role", "manager", input="pw-123456\npw-123456\n")
    named = run(app, "create-user", "pat", "--role", "manager", "--office", "Harbour Office",
                input="pw-123456\npw-123456\n")  # fmt: skip
    token = run(app, "create-token", "crm", "--office", str(harbour.id))

    assert unnamed.exit_code != 0 and "several offices" in unnamed.output
    assert named.exit_code == 0, named.output
    assert db.session.scalar(select(User.office_id).where(User.username == "pat")) == harbour.id
    assert db.session.scalar(select(ApiToken.office_id)) == harbour.id
    bearer = {"Authorization": f"Bearer {token.output.strip()}"}
    listed = app.test_client().get("/api/salespeople", headers=bearer).get_json()
    assert [p["name"] for p in listed["salespeople"]] == ["Hana Wong"]


def test_commands_without_an_office_say_how_to_make_one(app):
    result = run(app, "create-user", "pat", "--role", "admin", input="pw-123456\npw-123456\n")

    assert result.exit_code != 0
    assert "No office is set up yet: run flask create-office." in result.output
    assert count(Office) == 0


# -- the office's time zone is the office row's ------------------------------------------


def test_an_office_in_hong_kong_shows_its_times_in_hong_kong(app, client, office):
    office.timezone = "Asia/Hong_Kong"
    app.config["OFFICE_TIMEZONE"] = "America/New_York"  # only the default for new offices
    new_lead(office, now=HK_MORNING)
    db.session.commit()
    sign_in(client, "manager")

    board = client.get("/board").get_data(as_text=True)
    figures = client.get("/manager/dashboard.json?from=2026-11-25&to=2026-11-25").get_json()

    assert "11:00 buyer" in board and "22:00 buyer" not in board
    assert figures["timezone"] == "Asia/Hong_Kong"
    hours = {row["hour"]: row["leads"] for row in figures["tables"]["hours"]["rows"]}
    assert hours["11:00"] == 1 and hours.get("22:00", 0) == 0


@pytest.mark.settings(outbox=True)  # the development phone exists only without Twilio
def test_the_development_phone_shows_only_this_offices_salespeople(app, client, two_offices):
    """Another office's salesperson's SMS are not there, even for a coordinator."""
    century, _harbour = two_offices
    alice = db.session.scalar(
        select(Salesperson.id).where(
            Salesperson.office_id == century.id, Salesperson.name == "Alice Chen"
        )
    )
    sign_in(client, "harbour-coordinator", PASSWORD)

    assert client.get("/dev/phone/").status_code == 200  # the phone is there
    assert client.get(f"/dev/phone/{alice}").status_code == 404
    assert client.post(f"/dev/phone/{alice}/call").status_code == 404
    assert "Alice Chen" not in client.get("/dev/phone/").get_data(as_text=True)


def test_a_manager_sees_the_dashboard_of_their_own_office_only(app, client, two_offices):
    century, harbour = two_offices
    manager = User(office_id=harbour.id, username="harbour-manager", role="manager")
    manager.set_password(PASSWORD)
    db.session.add(manager)
    db.session.commit()
    sign_in(client, "harbour-manager", PASSWORD)

    other = client.get(f"/manager/dashboard.json?office={century.id}")
    assert other.status_code == 400 and "office" in other.get_json()["errors"]
    own = client.get(f"/manager/dashboard.json?office={harbour.id}")
    assert own.status_code == 200
    admin = sign_in(app.test_client(), "admin")
    assert admin.get(f"/manager/dashboard.json?office={harbour.id}").status_code == 200
