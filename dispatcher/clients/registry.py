"""Finding a client by any of their numbers, and the known clients routing reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from dispatcher.clients.ownership import rules_of
from dispatcher.models import Client, ClientNumber, Office
from routing import KnownClient
from routing.ownership import Ownership, current

_family = aliased(Client)
# One read for every number of a lead: each number's client, and its family's ownership
# (O9: the family's first client holds it). Built once: asked on every logged call.
_BY_NUMBER = (
    select(
        ClientNumber.phone,
        Client,
        _family.owner_id,
        _family.last_follow_up_at,
        _family.owner_since,
        _family.deposit_at,
        _family.closer_id,
        _family.disputed,
    )
    .join(Client, Client.id == ClientNumber.client_id)
    .join(_family, _family.id == func.coalesce(Client.family_id, Client.id))
    .where(
        ClientNumber.office_id == bindparam("office_id"),
        ClientNumber.phone.in_(bindparam("phones", expanding=True)),
    )
)


@dataclass(frozen=True)
class NumberFound:
    """A number's client, and the ownership of the client's family as kept on its record."""

    client: Client
    ownership: Ownership


def by_number(session: Session, *, office_id: int, phones: Iterable[str]) -> dict[str, NumberFound]:
    """The clients whose numbers these are (E.164), in one read."""
    wanted = list(dict.fromkeys(p for p in phones if p))
    if not wanted:
        return {}
    rows = session.execute(_BY_NUMBER, {"office_id": office_id, "phones": wanted})
    return {
        row.phone: NumberFound(
            row.Client,
            Ownership(
                owner_id=row.owner_id,
                since=row.owner_since,
                last_follow_up_at=row.last_follow_up_at,
                deposit_at=row.deposit_at,
                closer_id=row.closer_id,
                disputed=row.disputed,
            ),
        )
        for row in rows
    }


def find_client(session: Session, *, office_id: int, phone: str) -> Client | None:
    """The client one of whose numbers this is (E.164), or None."""
    found = by_number(session, office_id=office_id, phones=[phone]).get(phone)
    return found.client if found else None


def known_from(
    found: Mapping[str, NumberFound], *, office: Office, phones: Iterable[str], now: datetime
) -> tuple[KnownClient, ...]:
    """The owned clients among these numbers, in their order, as routing reads them: the
    owner at ``now`` (the closer after an undisputed window, O7) and the owner's last
    follow-up (O6). A lapsed owner is passed on too: routing judges the lapse itself, so
    the stored inputs show whose client it was."""
    rules = rules_of(office)
    known = []
    for phone in dict.fromkeys(p for p in phones if p):
        if phone not in found:
            continue
        state = current(found[phone].ownership, now, rules)
        owner = state.owner_id if state.owner_id is not None else state.lapsed_owner_id
        if owner is not None and state.last_follow_up_at is not None:
            known.append(KnownClient(phone, owner, state.last_follow_up_at))
    return tuple(known)


def known_clients(
    session: Session, *, office: Office, phones: Iterable[str], now: datetime
) -> tuple[KnownClient, ...]:
    """known_from, read for these numbers."""
    phones = list(phones)
    found = by_number(session, office_id=office.id, phones=phones)
    return known_from(found, office=office, phones=phones, now=now)
