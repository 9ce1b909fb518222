"""Co-op API tokens: created and revoked by a co-op's admins, shown once, stored hashed."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, Coop, User
from ..models.base import utcnow
from .token_hashing import (
    MAX_NAME_LENGTH,
    InvalidTokenName,
    TokenNotFound,
    clean_name,
    digest,
    display_prefix,
    find_active,
    new_plaintext,
)

__all__ = [
    "MAX_NAME_LENGTH",
    "TOKEN_PREFIX",
    "InvalidTokenName",
    "TokenNotFound",
    "authenticate",
    "create_token",
    "revoke_token",
    "tokens_of",
]

log = logging.getLogger(__name__)

#: every token starts with this, so leaked tokens are easy to recognise (and to scan for)
TOKEN_PREFIX = "cm_"  # noqa: S105  (a prefix, not a secret)


def create_token(coop: Coop, name: str, by: User | None = None) -> tuple[ApiToken, str]:
    """A new token for the co-op; the plaintext is returned here once and never stored."""
    name = clean_name(name)
    plaintext = new_plaintext(TOKEN_PREFIX)
    token = ApiToken(
        coop=coop,
        name=name,
        token_hash=digest(plaintext),
        prefix=display_prefix(plaintext),
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
    return find_active(ApiToken, plaintext, TOKEN_PREFIX)


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
