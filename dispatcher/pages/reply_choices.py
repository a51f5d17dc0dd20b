"""Which page a reply that names none means, and when it means none (issue 15).

A bare OK or NO acts only on a salesperson's one open page. With several open it acts on
none and names them; soon after a page was taken from them (LATE_REPLY_MINUTES) it says
so first and acts on none: the reply was most likely meant for the page that has gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.language import sentences
from dispatcher.models import Page, PageState
from dispatcher.pages.taken import recently_taken, taken_words, where_it_went

# Refs named in one SMS; past it the reply says "and more" (a reply holds 320 characters).
LISTED = 5


def newest_open_refs(*, session: Session, salesperson_id: int, limit: int) -> list[int]:
    """The refs of their newest ``limit`` open pages that have gone out, oldest first.
    Read by ix_page_salesperson_open: a few rows, however many pages are open."""
    refs = session.scalars(
        select(Page.lead_id)
        .where(
            Page.salesperson_id == salesperson_id,
            Page.state == PageState.OPEN,
            Page.sent_at.is_not(None),
        )
        .order_by(Page.id.desc())
        .limit(limit)
    )
    return list(reversed(list(refs)))


def unclear(
    *,
    session: Session,
    salesperson_id: int,
    word: str,
    now: datetime,
    late_reply_minutes: int,
    timezone: str,
) -> tuple[str, str] | None:
    """(outcome, reply) when a bare ``word`` (OK or NO) must act on no page; None when it
    means their one open page (or there is none: the caller answers that)."""
    since = now - timedelta(minutes=late_reply_minutes)
    taken = recently_taken(session=session, salesperson_id=salesperson_id, since=since)
    refs = newest_open_refs(session=session, salesperson_id=salesperson_id, limit=LISTED + 1)
    if taken:
        said = [
            taken_words(
                page=page,
                went_to=where_it_went(session=session, page=page),
                timezone=timezone,
                now=now,
            )
            for page in taken
        ]
        if refs:
            said.append(still_open(refs, word))
        return "late_reply", sentences(*said)
    if len(refs) > 1:
        return "which_page", which_page(refs, word)
    return None


def which_page(refs: list[int], word: str) -> str:
    """'You have Ref 8 and Ref 9 open. Reply OK 8, OK 9 or OK ALL.'"""
    return sentences(
        gettext("You have %(refs)s open.", refs=_named(refs)), _how_to_reply(refs, word)
    )


def still_open(refs: list[int], word: str) -> str:
    if len(refs) == 1:
        said = {"ref": refs[0], "word": word}
        if word == "OK":
            return gettext(
                "You still have Ref %(ref)s open: reply %(word)s %(ref)s to take it.", **said
            )
        return gettext(
            "You still have Ref %(ref)s open: reply %(word)s %(ref)s to pass it on.", **said
        )
    named = gettext("You still have %(refs)s open.", refs=_named(refs))
    return sentences(named, _how_to_reply(refs, word))


def _ref(ref: int) -> str:
    return gettext("Ref %(ref)s", ref=ref)


def _named(refs: list[int]) -> str:
    if len(refs) > LISTED:
        shown = and_list([_ref(ref) for ref in refs[-LISTED:]], last=",")
        return ngettext(
            "more than %(num)d page, the newest %(shown)s,",
            "more than %(num)d pages, the newest %(shown)s,",
            LISTED,
            shown=shown,
        )
    return and_list([_ref(ref) for ref in refs])


def _how_to_reply(refs: list[int], word: str) -> str:
    every = ["OK ALL"] if word == "OK" else []
    if len(refs) > LISTED:
        if every:
            return gettext("Reply %(word)s and the ref, or OK ALL.", word=word)
        return gettext("Reply %(word)s and the ref.", word=word)
    choices = and_list([f"{word} {ref}" for ref in refs] + every, last="or")
    return gettext("Reply %(choices)s.", choices=choices)


def and_list(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (``last``: "and", "or", or "," for a plain list), in
    the language in force."""
    if len(items) < 2:
        return "".join(items)
    # Translators: the separator of a list's items ("Ref 8, Ref 9").
    first = gettext(", ").join(items[:-1])
    if last == "or":
        return gettext("%(first)s or %(last)s", first=first, last=items[-1])
    if last == ",":
        return gettext(", ").join([first, items[-1]])
    return gettext("%(first)s and %(last)s", first=first, last=items[-1])
