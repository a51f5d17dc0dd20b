"""Corrections to what was typed for a lead: a mistyped number, name, kind or listing.

The coordinator (or the manager) corrects them on the lead's page. Every field changed
leaves its old and new value on the timeline ("Phone corrected from +12025550188 to
+12025550186"), with who and when; nothing is overwritten without a trace.

A correction never routes the lead again. A lead acknowledged is its salesperson's (the
caller may be their client already, O1); a page out stays out, with its deadline; a lead
waiting for the manager keeps waiting. Whoever corrects a listing, kind or number that
would have chosen someone else is told so, and the manager may give the lead by hand
(dispatcher/leads/manager_hand.py). Nothing automatic: a page taken from a salesperson
because a typo was fixed would surprise them, and the rotation turn already taken would
be owed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.leads.service import find_listing
from dispatcher.leads.timeline import record_event
from dispatcher.models import LEAD_KINDS, Lead, Listing
from dispatcher.phones import to_e164

# The fields that may be corrected, in the words of the timeline.
FIELD_WORDS = {"caller_phone": "Phone", "caller_name": "Name", "kind": "Kind", "listing": "Listing"}
# The ones routing read: correcting them afterwards would have chosen by other facts.
ROUTING_FIELDS = ("caller_phone", "kind", "listing")


@dataclass(frozen=True)
class Correction:
    """The lead's details as the corrections form sent them (all of them, changed or not)."""

    caller_phone: str
    caller_name: str
    kind: str
    listing: str


def listing_words(lead: Lead) -> str:
    """The lead's listing as the form shows it: its ref, or the unknown ref typed."""
    return lead.listing.reference if lead.listing else lead.unknown_listing_ref


def correct_lead(
    *, session: Session, lead: Lead, typed: Correction, actor: str, now: datetime, region: str
) -> list[str]:
    """Apply the fields that differ from the lead's, each with its timeline entry; the
    names of the fields changed (none: nothing differed). InvalidInput naming every bad
    field, with nothing changed."""
    phone, listing = _checked(session=session, lead=lead, typed=typed, region=region)
    name = typed.caller_name.strip()
    changes: list[tuple[str, str, str]] = []
    if phone != lead.caller_phone:
        changes.append(("caller_phone", lead.caller_phone, phone))
        lead.caller_phone = phone
    if name != lead.caller_name:
        changes.append(("caller_name", lead.caller_name, name))
        lead.caller_name = name
    if typed.kind != lead.kind:
        changes.append(("kind", lead.kind, typed.kind))
        lead.kind = typed.kind
    if listing is not _UNCHANGED:
        changes.append(("listing", _listing_label(lead), _label(listing)))
        lead.listing = listing
        lead.unknown_listing_ref = ""
    for field, old, new in changes:
        record_event(
            session=session,
            lead_id=lead.id,
            kind="corrected",
            at=now,
            detail=f"{FIELD_WORDS[field]} corrected from {old or '(none)'} to {new or '(none)'}",
            actor=actor,
        )
    return [field for field, _old, _new in changes]


_UNCHANGED = object()


def _checked(
    *, session: Session, lead: Lead, typed: Correction, region: str
) -> tuple[str, Listing | None | object]:
    """The number in E.164, and the listing (None: no listing; _UNCHANGED: as it was)."""
    errors: dict[str, str] = {}
    phone = ""
    try:
        phone = to_e164(typed.caller_phone, region)
    except ValueError as error:
        errors["caller_phone"] = str(error)
    if typed.kind not in LEAD_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(LEAD_KINDS)}."
    listing: Listing | None | object = _UNCHANGED
    reference = typed.listing.strip()
    if reference != listing_words(lead):
        listing = (
            find_listing(session=session, office_id=lead.office_id, reference=reference)
            if reference
            else None
        )
        if reference and listing is None:
            # A correction is made with time to look: it must name a real listing.
            errors["listing"] = f"No listing with reference {reference!r}."
    if errors:
        raise InvalidInput(errors)
    return phone, listing


def _listing_label(lead: Lead) -> str:
    if lead.unknown_listing_ref:
        return f"{lead.unknown_listing_ref} (none of the office's listings)"
    return _label(lead.listing)


def _label(listing: Listing | None) -> str:
    return f"{listing.reference} ({listing.address})" if listing else ""
