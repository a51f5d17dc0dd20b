"""Bearer tokens for the JSON API; only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dispatcher.models import ApiToken, Office

# Built once: asked on every API call, and building it costs more than running it. The
# token's office comes with it: the request serves it, and one statement is one less
# round trip than two.
_TOKEN = (
    select(ApiToken.office_id, Office)
    .outerjoin(Office, Office.id == ApiToken.office_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ValidToken:
    """A token that may use the API, and the office it acts for (None: the provisioned
    API_TOKEN, which acts for the office when there is exactly one). ``office`` is that
    office's record, read with the token (None for the provisioned token)."""

    office_id: int | None
    office: Office | None = None


def create_token(*, session: Session, name: str, office_id: int, now: datetime) -> str:
    """A new token acting for one office; the plain text is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token), created_at=now, office_id=office_id))
    return token


def check_token(*, session: Session, token: str, provisioned: str | None) -> ValidToken | None:
    """A token made by create_token, or the one the API_TOKEN setting provisions; None
    for anything else."""
    if not token:
        return None
    # As bytes: compare_digest refuses str holding anything but ASCII ("Bearer été").
    if provisioned and hmac.compare_digest(token.encode(), provisioned.encode()):
        return ValidToken(office_id=None)
    found = session.execute(_TOKEN, {"digest": _digest(token)}).first()
    if found is None:
        return None
    return ValidToken(office_id=found.office_id, office=found.Office)
