"""Issue #13, item 9: every TwiML answer is well-formed XML whatever the office's text
fields hold. Hostile strings (control characters, ]]>, <, &, lone surrogates, U+FFFE,
emoji) go into every text field of a lead through the API; the ones refused there are
put on record directly, as text typed before the check would be. Then the salesperson
acknowledges by SMS (details in the reply) and calls the office (details read out), and
each answer is parsed with xml.etree."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from dispatcher.extensions import db
from dispatcher.models import Lead, Listing, Page, Salesperson
from dispatcher.text import forbidden_character
from tests.factories import new_lead
from tests.webhook_helpers import (
    ALICE,
    call_params,
    post_signed,
    sms_params,
)
from workers import jobs

TOKEN = "h" * 40
NASTY = [
    "\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff",
    "]]>", "<", ">", "&", "&amp;", "<Say>", "</Response>", "<![CDATA[", '"', "'", "😀",
    "\u202e", "\r\n", "\t", "Zoë",
]  # fmt: skip
hostile = st.lists(
    st.one_of(st.sampled_from(NASTY), st.characters(exclude_categories=())),
    max_size=12,
).map("".join)
name_like = st.lists(st.one_of(st.sampled_from(NASTY), st.characters()), min_size=1, max_size=120)


pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(API_TOKEN=TOKEN, ACK_REPLY_INCLUDES_DETAILS=True),
]


def storable(text: str) -> str:
    """What a database can hold: no lone surrogates (not UTF-8), no NUL (PostgreSQL)."""
    return re.sub("[\x00\ud800-\udfff]", "", text)


def parsed(response) -> ElementTree.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    root = ElementTree.fromstring(response.get_data())  # raises on anything ill-formed
    assert root.tag == "Response"
    return root


def log_lead(client, office, fields: dict[str, str], alice_id: int) -> int:
    """Through the API when it takes the text; else on record as typed before the check."""
    body = {"caller_phone": "202-555-0188", "kind": "buyer", "asked_for": alice_id, **fields}
    response = client.post("/api/leads", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 201:
        assert not any(forbidden_character(v, multiline=True) for v in fields.values())
        lead_id = response.json["id"]
    else:
        assert set(response.json["errors"]) <= set(fields)
        kept = {k: storable(v) for k, v in fields.items() if k != "listing"}
        lead_id = new_lead(office, asked_for_id=alice_id, listing="L-1001", **kept).id
    db.session.commit()
    page_id = db.session.query(Page.id).filter_by(lead_id=lead_id).scalar()
    db.session.rollback()  # SQLite: a transaction left open holds the write lock
    assert jobs.send_page(page_id) == "sent"
    return lead_id


@examples(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    caller_name=hostile,
    notes=hostile,
    source=hostile,
    area=hostile,
    listing=hostile,
    salesperson_name=name_like.map("".join),
    address=hostile,
)
def test_every_twiml_answer_is_well_formed_whatever_the_text_fields_hold(
    client, office, caller_name, notes, source, area, listing, salesperson_name, address
):
    alice = db.session.query(Salesperson).filter_by(mobile=ALICE).one()
    alice.name = storable(salesperson_name).strip() or "A"
    db.session.query(Listing).filter_by(reference="L-1001").one().address = storable(address)
    db.session.commit()
    fields = {
        "caller_name": caller_name,
        "notes": notes,
        "source": source,
        "area": area,
        "listing": listing,
    }
    lead_id = log_lead(client, office, {k: v for k, v in fields.items() if v}, alice.id)

    acked = parsed(post_signed(client, "/twilio/sms", sms_params("OK")))
    assert f"Ref {lead_id} is yours" in " ".join(m.text or "" for m in acked.iter("Message"))
    called = parsed(post_signed(client, "/twilio/voice", call_params(ALICE)))
    heard = " ".join(say.text or "" for say in called.iter("Say"))
    assert f"Reference {lead_id}." in heard

    assert db.session.get(Lead, lead_id).state == "acknowledged"
    db.session.rollback()
