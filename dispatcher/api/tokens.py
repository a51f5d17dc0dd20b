"""Bearer tokens for the JSON API; only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dispatcher.models import ApiToken

# Built once: asked on every API call, and building it costs more than running it.
_TOKEN_ID = select(ApiToken.id).where(ApiToken.token_hash == bindparam("digest"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, name: str, now: datetime) -> str:
    """A new token; the plain text is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token), created_at=now))
    return token


def token_is_valid(*, session: Session, token: str, provisioned: str | None) -> bool:
    """True for a token made by create_token, or the one the API_TOKEN setting provisions."""
    if not token:
        return False
    # As bytes: compare_digest refuses str holding anything but ASCII ("Bearer été").
    if provisioned and hmac.compare_digest(token.encode(), provisioned.encode()):
        return True
    return session.scalar(_TOKEN_ID, {"digest": _digest(token)}) is not None
