"""Issue #13, item 3: the development phone acts as its owner only. It exists in
development mode only, never once Twilio credentials are set, and there a salesperson
may use their own phone and nobody else's."""

from __future__ import annotations

from html import unescape

import pytest

from dispatcher.models import Lead
from tests.app_setup import sign_in
from tests.factories import paged_lead, person
from tests.webhook_helpers import STRANGER, count, state, stubs


@pytest.fixture
def alice(client, office):
    """Signed in as Alice Chen, a salesperson."""
    return sign_in(client, "alice")


def bruno_paged(office):
    """A lead for 48 Harbor View Rd: its listing agent Bruno Diaz is paged."""
    paged = paged_lead(office, listing="L-1002")
    return paged, person("Bruno Diaz")


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


# -- a salesperson signed in uses only their own phone ------------------------------------


def test_a_salesperson_cannot_read_a_colleagues_phone(alice, office):
    _paged, bruno = bruno_paged(office)

    response = alice.get(f"/dev/phone/{bruno.id}")

    assert response.status_code == 403
    assert "Client call" not in text(response)


def test_a_salesperson_cannot_acknowledge_a_colleagues_page_by_sms(alice, office):
    paged, bruno = bruno_paged(office)
    before = state(paged)

    response = alice.post(f"/dev/phone/{bruno.id}", data={"body": "OK"})

    assert response.status_code == 403
    assert state(paged) == before


def test_a_salesperson_cannot_call_as_a_colleague_and_hear_the_client(alice, office):
    paged, bruno = bruno_paged(office)
    before = state(paged)

    response = alice.post(f"/dev/phone/{bruno.id}/call", follow_redirects=True)

    assert response.status_code == 403
    assert "Mrs Example" not in text(response)
    assert state(paged) == before


def test_a_salesperson_cannot_ring_the_office_from_a_colleagues_number(alice, office):
    paged, bruno = bruno_paged(office)
    before = state(paged)

    response = alice.post("/dev/phone/call", data={"from_number": bruno.mobile})

    assert response.status_code == 403
    assert state(paged) == before and stubs() == []


def test_a_salesperson_sees_only_their_own_phone_and_uses_it(alice, office):
    paged = paged_lead(office)  # Alice is first in the rotation
    me, bruno = person("Alice Chen"), person("Bruno Diaz")

    index = text(alice.get("/dev/phone/"))
    assert "Alice Chen" in index and "Bruno Diaz" not in index
    assert "A client calls the office" not in index
    assert "Client call" in text(alice.get(f"/dev/phone/{me.id}"))
    answered = alice.post(f"/dev/phone/{me.id}", data={"body": "OK"}, follow_redirects=True)
    assert answered.status_code == 200
    assert state(paged)[0] == "acknowledged"
    assert bruno.mobile not in index


def test_the_coordinator_uses_every_phone_and_rings_as_a_client(coordinator, office):
    _paged, bruno = bruno_paged(office)

    index = text(coordinator.get("/dev/phone/"))
    assert "Bruno Diaz" in index and "A client calls the office" in index
    assert coordinator.get(f"/dev/phone/{bruno.id}").status_code == 200
    rang = coordinator.post("/dev/phone/call", data={"from_number": STRANGER})
    assert rang.status_code == 302 and len(stubs()) == 1


# -- development mode only, and never with Twilio's credentials ---------------------------

ROUTES = [
    ("get", "/dev/phone/"),
    ("get", "/dev/phone/{id}"),
    ("post", "/dev/phone/{id}"),
    ("post", "/dev/phone/{id}/call"),
    ("post", "/dev/phone/call"),
]


@pytest.mark.parametrize(
    "settings",
    [
        {"DEVELOPMENT_MODE": False},
        {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32},
        {"TWILIO_AUTH_TOKEN": "2" * 32},
    ],
    indirect=True,
    ids=["production", "account-sid-set", "auth-token-set"],
)
@pytest.mark.parametrize("user", ["coordinator", "alice"])
def test_the_development_phone_is_not_there(settings, client, office, user):
    sign_in(client, user)
    alice = person("Alice Chen")
    paged_lead(office)

    for method, path in ROUTES:
        url = path.format(id=alice.id)
        response = getattr(client, method)(url, data={"body": "OK", "from_number": STRANGER})
        assert response.status_code == 404, url
    assert "Dev phone" not in text(client.get("/me" if user == "alice" else "/"))
    assert count(Lead) == 1 and stubs() == []


def test_the_menu_offers_the_development_phone_in_development_mode(coordinator, office):
    assert "Dev phone" in text(coordinator.get("/"))
