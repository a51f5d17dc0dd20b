"""The command-line tasks: importing salespeople, the demo office, sign-ins, tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import ApiToken, Listing, Office, Salesperson, User
from tests.app_setup import sign_in
from tests.factories import count

GOOD_CSV = """name,mobile,skills
Hana Kim,(202) 555-0120,rental
Ivan Petrov,+1 202 555 0121,"listing,seller"
Jo Adams,202.555.0122,
"""


def run(app, *args: str, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def rotation() -> list[tuple[int, str, str, str]]:
    return [
        (p.rotation_position, p.name, p.mobile, p.skills)
        for p in db.session.scalars(select(Salesperson).order_by(Salesperson.rotation_position))
    ]


def write(tmp_path, content: str, name: str = "team.csv") -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


@pytest.fixture
def empty_office(app):
    """An office set up as a deployment sets one up, with nobody in it yet."""
    result = run(app, "create-office", "Century Office")
    assert result.exit_code == 0, result.output


def test_import_salespeople_into_an_empty_office(app, empty_office, tmp_path):
    result = run(app, "import-salespeople", write(tmp_path, GOOD_CSV))

    assert result.exit_code == 0, result.output
    assert "Imported 3 salespeople." in result.output
    assert rotation() == [
        (1, "Hana Kim", "+12025550120", "rental"),
        (2, "Ivan Petrov", "+12025550121", "listing,seller"),
        (3, "Jo Adams", "+12025550122", ""),
    ]
    assert db.session.scalar(select(func.count(Office.id))) == 1


def test_import_appends_to_the_rotation(app, office, tmp_path):
    result = run(app, "import-salespeople", write(tmp_path, GOOD_CSV))

    assert result.exit_code == 0, result.output
    assert [row[:2] for row in rotation()[-3:]] == [
        (8, "Hana Kim"),
        (9, "Ivan Petrov"),
        (10, "Jo Adams"),
    ]


def test_import_reads_a_spreadsheet_export_with_a_bom(app, empty_office, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + GOOD_CSV).replace("\n", "\r\n").encode("utf-8"))

    result = run(app, "import-salespeople", str(path))

    assert result.exit_code == 0, result.output
    assert count(Salesperson) == 3


def test_import_with_one_bad_line_imports_nothing(app, office, tmp_path):
    bad = GOOD_CSV.replace("202.555.0122", "555-12")

    result = run(app, "import-salespeople", write(tmp_path, bad))

    assert result.exit_code != 0
    assert "line 4 mobile:" in result.output
    assert "Nothing was imported" in result.output
    assert "line 2" not in result.output and "line 3" not in result.output
    assert count(Salesperson) == 7


def test_import_names_every_bad_line_and_field(app, empty_office, tmp_path):
    bad = """name,mobile,skills
Hana Kim,(202) 555-0120,rental
,(202) 555-0121,
Jo Adams,(202) 555-0120,juggling
"""
    result = run(app, "import-salespeople", write(tmp_path, bad))

    assert result.exit_code != 0
    assert "line 3 name: A name is required." in result.output
    assert "line 4 mobile: This mobile already belongs to Hana Kim." in result.output
    assert "line 4 skills: Unknown skill juggling" in result.output
    assert count(Salesperson) == 0


def test_import_needs_the_columns(app, empty_office, tmp_path):
    result = run(app, "import-salespeople", write(tmp_path, "who,phone\nHana,2025550120\n"))

    assert result.exit_code != 0
    assert "header: The CSV needs the columns mobile, name." in result.output
    assert count(Salesperson) == 0


def test_import_of_a_missing_file_fails_cleanly(app, tmp_path):
    result = run(app, "import-salespeople", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_seed_demo_twice_is_harmless(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "Demo office loaded." in first.output
    assert "Second demo office loaded. Harbour Office" in first.output
    before = (count(Salesperson), count(Listing), count(User), count(Office))
    assert before == (7 + 4, 4 + 2, 4 + 3, 2)

    second = run(app, "seed-demo")

    assert second.exit_code == 0, second.output
    assert "demo not loaded" in second.output
    assert (count(Salesperson), count(Listing), count(User), count(Office)) == before


def test_seed_demo_sign_ins_work(app, client):
    run(app, "seed-demo")
    sign_in(client, "coordinator")
    assert client.get("/").status_code == 200


def test_seed_demo_loads_a_second_office_with_its_own_number_and_sign_ins(app):
    run(app, "seed-demo")
    century, harbour = db.session.scalars(select(Office).order_by(Office.id)).all()
    assert (century.phone_number, harbour.phone_number) == ("+12025550100", "+12025550300")

    harbour_coordinator = sign_in(app.test_client(), "harbour-coordinator")
    today = harbour_coordinator.get("/today").get_data(as_text=True)
    assert "Harbour Office" in harbour_coordinator.get("/").get_data(as_text=True)
    # The day's leads, each called back ("taken"), in Harbour's Traditional Chinese.
    assert (century.language, harbour.language) == ("en", "zh_Hant")
    assert today.count("<td>已接</td>") == 3
    franchise = sign_in(app.test_client(), "franchise")
    offices = franchise.get("/franchise/").get_data(as_text=True)
    assert "Century Office" in offices and "Harbour Office" in offices


def test_seed_demo_sends_no_reminder_at_once_but_keeps_one_to_come(app):
    """A first screen without a burst of "client not reached" SMS: the older leads' clients
    were reached by a call-back; the newest was acknowledged just now, its reminder due
    NOT_REACHED_REMINDER_MINUTES into the demo."""
    from datetime import timedelta

    from dispatcher.calls.not_reached import due_pages
    from dispatcher.clock import utcnow
    from dispatcher.models import Lead, LeadState

    run(app, "seed-demo")
    minutes = app.config["NOT_REACHED_REMINDER_MINUTES"]

    assert due_pages(session=db.session, now=utcnow(), minutes=minutes) == []
    unreached = db.session.scalars(
        select(Lead.id).where(
            Lead.state == LeadState.ACKNOWLEDGED, Lead.client_reached_at.is_(None)
        )
    ).all()
    assert len(unreached) == 1
    later = utcnow() + timedelta(minutes=minutes + 1)
    assert len(due_pages(session=db.session, now=later, minutes=minutes)) == 1


def test_seed_demo_after_an_import_changes_nothing(app, empty_office, tmp_path):
    run(app, "import-salespeople", write(tmp_path, GOOD_CSV))

    result = run(app, "seed-demo")

    assert result.exit_code == 0
    assert count(Salesperson) == 3 and count(User) == 0


def test_create_user_then_sign_in(app, empty_office, client):
    result = run(
        app, "create-user", "dana", "--role", "coordinator", input="s3cret-pass\ns3cret-pass\n"
    )

    assert result.exit_code == 0, result.output
    assert "coordinator dana added to Century Office." in result.output
    user = db.session.scalar(select(User).where(User.username == "dana"))
    assert user.role == "coordinator" and user.password_hash != "s3cret-pass"
    sign_in(client, "dana", "s3cret-pass")
    assert client.get("/").status_code == 200


def test_create_user_refuses_a_taken_name(app, office):
    result = run(app, "create-user", "manager", "--role", "admin", "--password", "x")

    assert result.exit_code != 0
    assert "already" in result.output
    assert db.session.scalar(select(User.role).where(User.username == "manager")) == "manager"


def test_create_user_refuses_an_unknown_role(app):
    result = run(app, "create-user", "eve", "--role", "owner", "--password", "x")
    assert result.exit_code == 2
    assert count(User) == 0


def test_create_token_prints_a_new_token_each_time(app, empty_office):
    first = run(app, "create-token", "ci")
    second = run(app, "create-token", "ci")

    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output.strip() != second.output.strip()
    assert len(first.output.strip()) >= 40
    assert count(ApiToken) == 2
