"""Co-op API tokens: created and revoked by a co-op's admins, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, Coop, User
from ..models.base import utcnow

log = logging.getLogger(__name__)

#: every token starts with this, so leaked tokens are easy to recognise (and to scan for)
TOKEN_PREFIX = "cm_"  # noqa: S105  (a prefix, not a secret)
#: how many characters of a token are kept to tell tokens apart
DISPLAY_PREFIX_LENGTH = 10
MAX_NAME_LENGTH = 80
#: `last_used_at` is written at most this often, so reads do not all become writes
LAST_USED_RESOLUTION = timedelta(minutes=1)
_TOKEN_LENGTH = len(TOKEN_PREFIX) + 43  # token_urlsafe(32) gives 43 characters


class InvalidTokenName(ValueError):
    """A token needs a name of 1 to 80 characters."""


class TokenNotFound(LookupError):
    pass


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(coop: Coop, name: str, by: User | None = None) -> tuple[ApiToken, str]:
    """A new token for the co-op; the plaintext is returned here once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidTokenName(name)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        coop=coop,
        name=name,
        token_hash=_digest(plaintext),
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(token)
    db.session.commit()
    log.info("API token %s created for co-op %s by %s", token.id, coop.slug, _who(by))
    return token, plaintext


def revoke_token(coop: Coop, token_id: int, by: User | None = None) -> ApiToken:
    """Stop one of the co-op's tokens from working (TokenNotFound for others); idempotent."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.coop_id != coop.id:
        raise TokenNotFound(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        log.info("API token %s of co-op %s revoked by %s", token.id, coop.slug, _who(by))
    return token


def authenticate(plaintext: str) -> ApiToken | None:
    """The active token with this plaintext, or None; its co-op's status is the caller's check."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) != _TOKEN_LENGTH:
        return None
    # Looking up the hash, not the token, keeps the comparison free of timing leaks.
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def tokens_of(coop: Coop) -> list[ApiToken]:
    """The co-op's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.coop_id == coop.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "the command line"
