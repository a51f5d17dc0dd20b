"""The forms people type into, fuzzed with hypothesis (issue #7, 12): whatever is typed,
no answer is a 5xx; a refused form records nothing and marks each field it refuses with
its message; an accepted one records one whole lead (or salesperson)."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import Assignment, Lead, Page, Salesperson
from tests.factories import count

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What people really type, mixed with what nobody should.
phones = st.one_of(
    st.sampled_from(["(202) 555-0188", "202.555.0142", "+44 20 7946 0958", "555", ""]),
    st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True),
    st.text(max_size=60),
)
words = st.one_of(st.just(""), st.text(max_size=200))
kinds = st.one_of(
    st.sampled_from(["buyer", "seller", "renter", "", "tourist"]), st.text(max_size=10)
)
ids = st.one_of(st.just(""), st.integers(-5, 2**40).map(str), st.text(max_size=12))

ERROR = re.compile(r'<span class="error" id="([a-z_]+)-error">([^<]+)</span>')
MARKED = re.compile(r'aria-describedby="([a-z_]+)-error"')


def refused_fields(html: str) -> dict[str, str]:
    """Each field the page marks as refused, with its message."""
    return {name: unescape(message).strip() for name, message in ERROR.findall(html)}


def assert_refused_clearly(response, before: int, model) -> None:
    html = response.get_data(as_text=True)
    marked = refused_fields(html)
    assert marked, "refused, yet no field says why: " + html[html.find("<main") :][:1500]
    assert all(marked.values())
    assert set(MARKED.findall(html)) <= set(marked)
    db.session.rollback()
    assert count(model) == before


@FUZZ
@given(
    phone=phones,
    name=words,
    kind=kinds,
    channel=st.sampled_from(["call", "walk_in", "", "fax"]),
    source=words,
    listing=st.one_of(st.sampled_from(["", "L-1001", "L-9999"]), st.text(max_size=50)),
    asked_for=ids,
    notes=st.text(max_size=2100),
    area=words,
    related=st.one_of(st.just(""), phones),
)
def test_whatever_the_coordinator_types_the_console_answers_clearly(
    coordinator, phone, name, kind, channel, source, listing, asked_for, notes, area, related
):
    form = {
        "caller_phone": phone,
        "caller_name": name,
        "kind": kind,
        "channel": channel,
        "source": source,
        "listing": listing,
        "asked_for": asked_for,
        "notes": notes,
        "area": area,
        "related_phone": related,
    }
    before = count(Lead)

    response = coordinator.post("/leads", data=form)

    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert_refused_clearly(response, before, Lead)
        return
    db.session.rollback()
    assert count(Lead) == before + 1
    lead = db.session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))
    # Whole: routed, and paged (a salesperson, or the manager when nobody is left).
    assert db.session.scalar(select(func.count()).where(Assignment.lead_id == lead.id)) >= 1
    assert db.session.scalar(select(func.count()).where(Page.lead_id == lead.id)) >= 1
    db.session.rollback()


@FUZZ
@given(
    name=words,
    mobile=phones,
    skills=st.one_of(st.sampled_from(["", "rental", "seller, rental", "juggling"]), words),
    active=st.sampled_from(["y", ""]),
)
def test_whatever_the_manager_types_a_salesperson_is_added_whole_or_not_at_all(
    manager, name, mobile, skills, active
):
    before = count(Salesperson)

    response = manager.post(
        "/manager/salespeople",
        data={"name": name, "mobile": mobile, "skills": skills, "active": active},
    )

    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert_refused_clearly(response, before, Salesperson)
        return
    db.session.rollback()
    assert count(Salesperson) == before + 1
    added = db.session.scalar(select(Salesperson).order_by(Salesperson.id.desc()).limit(1))
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", added.mobile)
    assert added.name == name.strip() and added.name
    db.session.rollback()
