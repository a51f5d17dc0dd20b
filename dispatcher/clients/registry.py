"""Finding a client by any of their numbers, and the known clients routing reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from dispatcher.clients.ownership import rules_of
from dispatcher.models import Client, ClientNumber, Office
from routing import KnownClient
from routing.ownership import Ownership, current

_family = aliased(Client)
# One read for every number of a lead: each number's client and its family's ownership.
# Built once (asked on every logged call).
_OWNERS = (
    select(
        ClientNumber.phone,
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


def find_client(session: Session, *, office_id: int, phone: str) -> Client | None:
    """The client one of whose numbers this is (E.164), or None."""
    return session.scalar(
        select(Client)
        .join(ClientNumber, ClientNumber.client_id == Client.id)
        .where(ClientNumber.office_id == office_id, ClientNumber.phone == phone)
    )


def known_clients(
    session: Session, *, office: Office, phones: Iterable[str], now: datetime
) -> tuple[KnownClient, ...]:
    """The owned clients among these numbers, as routing reads them: the owner at ``now``
    (the closer after an undisputed window, O7) and the owner's last follow-up (O6)."""
    wanted = list(dict.fromkeys(p for p in phones if p))
    if not wanted:
        return ()
    rules = rules_of(office)
    found = []
    for row in session.execute(_OWNERS, {"office_id": office.id, "phones": wanted}):
        state = current(
            Ownership(
                owner_id=row.owner_id,
                since=row.owner_since,
                last_follow_up_at=row.last_follow_up_at,
                deposit_at=row.deposit_at,
                closer_id=row.closer_id,
                disputed=row.disputed,
            ),
            now,
            rules,
        )
        owner = state.owner_id if state.owner_id is not None else state.lapsed_owner_id
        if owner is not None and state.last_follow_up_at is not None:
            # A lapsed owner is passed on too: routing judges the lapse itself (O6), so
            # the stored inputs show whose client it was.
            found.append(KnownClient(row.phone, owner, state.last_follow_up_at))
    order = {phone: index for index, phone in enumerate(wanted)}
    return tuple(sorted(found, key=lambda client: order[client.phone]))
