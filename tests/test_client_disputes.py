"""O7 on the screens: a salesperson disputes a client until the office's dispute days
after the deposit (local calendar days, that day included, across the end of daylight
saving too), the manager decides the owner and the split from the original registrations
side by side, bad input changes nothing; every record equals the replay of its log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.clients import disputes
from dispatcher.extensions import db
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads.service import LeadDetails
from dispatcher.leads.transactions import log_and_page
from dispatcher.models import Client, ClientEvent
from routing.ownership import DISPUTE_RAISED
from tests.app_setup import sign_in
from tests.client_records import (
    assert_records_replay,
    owner_name,
    received,
    set_now,
    shares_by_name,
)
from tests.factories import T0, acknowledged, count, person


def _deposit(office, client, closer: str, at: datetime) -> None:
    disputes.record_deposit(
        db.session, client=client, office=office, closer_id=person(closer).id, actor="m", now=at
    )


def _dispute(office, client, by: str, at: datetime, reason: str = "I showed them the flat"):
    return disputes.raise_dispute(
        db.session, client=client, office=office, salesperson=person(by), reason=reason, now=at
    )


# Deposits at 10:00 on a Monday in New York (15:00 UTC), and on Friday 30 October 2026 at
# 23:30 EDT, two days before the clocks go back (03:30 UTC on the 31st).
CASES = {
    "same zone": (T0, datetime(2026, 11, 27, 4, 59), datetime(2026, 11, 27, 5, 0)),
    "across the end of daylight saving": (
        datetime(2026, 10, 31, 3, 30),
        datetime(2026, 11, 3, 4, 59),  # Monday 2 November 23:59 EST: day 3
        datetime(2026, 11, 3, 5, 0),  # Tuesday 3 November 00:00 EST: day 4
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_dispute_on_day_3_is_taken_and_on_day_4_refused_on_the_office_calendar(office, case):
    deposit_at, last_minute, first_too_late = CASES[case]
    client = received(office, by="Alice Chen", at=deposit_at - timedelta(days=5))
    _deposit(office, client, "Bruno Diaz", deposit_at)
    db.session.commit()

    with pytest.raises(InvalidInput) as refused:
        _dispute(office, client, "Alice Chen", first_too_late)
    assert "Too late" in refused.value.errors["reason"]
    assert "3 days after the deposit" in refused.value.errors["reason"]
    assert count(ClientEvent) == 2 and not client.disputed

    _dispute(office, client, "Alice Chen", last_minute)
    assert client.disputed
    assert_records_replay(office)


def test_before_any_deposit_a_dispute_may_be_raised_at_any_time(office):
    client = received(office, by="Alice Chen")
    _dispute(office, client, "Bruno Diaz", T0 + timedelta(days=15))
    assert client.disputed
    with pytest.raises(InvalidInput, match="open"):
        _dispute(office, client, "Bruno Diaz", T0 + timedelta(days=16))  # not twice
    assert_records_replay(office)


def test_undisputed_the_closer_owns_the_client_after_the_window(office):
    client = received(office, by="Alice Chen")
    _deposit(office, client, "Bruno Diaz", T0)
    assert owner_name(client, office, T0 + timedelta(days=3)) == "Alice Chen"
    assert owner_name(client, office, datetime(2026, 11, 27, 5, 0)) == "Bruno Diaz"


def _open_dispute(office):
    """Alice received the client, Bruno closed, Alice disputes on day 2."""
    client = received(office, by="Alice Chen", at=T0 - timedelta(days=2))
    _deposit(office, client, "Bruno Diaz", T0)
    _dispute(office, client, "Alice Chen", T0 + timedelta(days=2))
    db.session.commit()
    return client


def test_the_manager_sees_both_sides_and_splits_60_40(client, office, monkeypatch):
    disputed = _open_dispute(office)
    manager = sign_in(client, "manager")
    set_now(monkeypatch, T0 + timedelta(days=3))
    listed = manager.get("/manager/disputes").get_data(as_text=True)
    assert f'data-dispute="{disputed.id}"' in listed
    page = manager.get(f"/manager/clients/{disputed.id}/dispute").get_data(as_text=True)
    alice, bruno = person("Alice Chen"), person("Bruno Diaz")
    assert f'data-side="{alice.id}"' in page and f'data-side="{bruno.id}"' in page
    assert "I showed them the flat" in page and "closed the deposit" in page

    response = manager.post(
        f"/manager/clients/{disputed.id}/dispute",
        data={
            "owner": str(bruno.id),
            "owner_percent": "60",
            "other_1": str(alice.id),
            "other_1_percent": "40",
            "note": "Alice's registration is valid",
        },
    )
    assert response.status_code == 303
    assert shares_by_name(disputed) == [("Bruno Diaz", 60), ("Alice Chen", 40)]
    assert not disputed.disputed
    # Kept: long after the window the split stands, and the client's page shows it.
    later = T0 + timedelta(days=15)
    assert owner_name(disputed, office, later) == "Bruno Diaz"
    set_now(monkeypatch, T0 + timedelta(days=4))
    history = manager.get(f"/manager/clients/{disputed.id}").get_data(as_text=True)
    assert "Bruno Diaz 60% / Alice Chen 40%" in history
    assert "the manager set the owner: dispute decided" in history
    assert "No dispute is waiting" in manager.get("/manager/disputes").get_data(as_text=True)
    assert_records_replay(office)


@pytest.mark.parametrize(
    "split, says",
    [
        (("70", "40"), "add up to 100"),
        (("100", "0"), "from 1 to 100"),
        (("sixty", "40"), "a whole number"),
        (("60", ""), "a salesperson and a percentage"),
        (("٦٠", "40"), "a whole number"),  # Arabic-Indic digits: not read as 60
    ],
)
def test_a_split_that_does_not_add_up_changes_nothing(client, office, monkeypatch, split, says):
    disputed = _open_dispute(office)
    before = count(ClientEvent)
    manager = sign_in(client, "manager")
    set_now(monkeypatch, T0 + timedelta(days=3))
    response = manager.post(
        f"/manager/clients/{disputed.id}/dispute",
        data={
            "owner": str(person("Bruno Diaz").id),
            "owner_percent": split[0],
            "other_1": str(person("Alice Chen").id),
            "other_1_percent": split[1],
        },
    )
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert count(ClientEvent) == before and disputed.disputed


def test_a_salesperson_raises_a_dispute_by_number_and_is_told_when_it_is_too_late(
    client, office, monkeypatch
):
    target = received(office, by="Bruno Diaz")
    _deposit(office, target, "Bruno Diaz", T0)
    db.session.commit()
    alice = sign_in(client, "alice")
    set_now(monkeypatch, datetime(2026, 11, 27, 5, 0))  # day 4 in New York
    late = alice.post("/me/disputes", data={"phone": "202-555-0188", "reason": "Mine first"})
    assert late.status_code == 400
    assert "Too late" in late.get_data(as_text=True)
    assert count(ClientEvent) == 2

    unknown = alice.post("/me/disputes", data={"phone": "202-555-0199", "reason": "Mine"})
    assert "No client of the office has this number" in unknown.get_data(as_text=True)
    hostile = alice.post("/me/disputes", data={"phone": "202-555-0188", "reason": "x\x00y"})
    assert hostile.status_code == 400 and "U+0000" in hostile.get_data(as_text=True)

    set_now(monkeypatch, datetime(2026, 11, 27, 4, 59))  # day 3, 23:59
    taken = alice.post("/me/disputes", data={"phone": "202-555-0188", "reason": "Mine first"})
    assert taken.status_code == 303
    raised = db.session.query(ClientEvent).filter_by(kind=DISPUTE_RAISED).one()
    assert raised.salesperson_id == person("Alice Chen").id and raised.detail == "Mine first"
    assert_records_replay(office)


def test_each_side_shows_the_registration_it_received(client, office, monkeypatch):
    lead = log_and_page(
        LeadDetails(
            caller_phone="202-555-0188",
            kind="buyer",
            caller_name="Example",
            caller_title="Mrs",
            need="3 bedrooms",
        ),
        user_id=None,
        actor="coordinator",
    )
    taker = acknowledged(db.session.merge(lead), at=T0).salesperson
    db.session.commit()
    disputed = db.session.scalar(select(Client))
    other = next(p for p in ("Alice Chen", "Bruno Diaz") if p != taker.name)
    _dispute(office, disputed, other, T0 + timedelta(hours=1))
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, T0 + timedelta(hours=2))
    page = manager.get(f"/manager/clients/{disputed.id}/dispute").get_data(as_text=True)
    taker_side, other_side = page.split(f'data-side="{person(other).id}"')
    assert f'data-side="{taker.id}"' in taker_side and 'data-registration="1"' in taker_side
    assert "No registration in the log for" in other_side


def test_a_decision_without_an_open_dispute_is_refused(client, office, monkeypatch):
    target = received(office, by="Alice Chen")
    db.session.commit()
    manager = sign_in(client, "manager")
    set_now(monkeypatch, T0)
    response = manager.post(
        f"/manager/clients/{target.id}/dispute", data={"owner": str(person("Bruno Diaz").id)}
    )
    assert response.status_code == 400 and "No dispute" in response.get_data(as_text=True)
    assert owner_name(target, office, T0) == "Alice Chen"
    assert manager.get("/manager/clients/999999/dispute").status_code == 404
