"""Buyers' personal API tokens: created with the password or on the account page,
shown once, stored hashed, revocable. They act for one person, never for a co-op."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import PersonalToken, User
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

#: every personal token starts with this; co-op tokens start with "cm_"
TOKEN_PREFIX = "cp_"  # noqa: S105  (a prefix, not a secret)


def create_token(user: User, name: str) -> tuple[PersonalToken, str]:
    """A new token for the person; the plaintext is returned here once and never stored."""
    name = clean_name(name)
    plaintext = new_plaintext(TOKEN_PREFIX)
    token = PersonalToken(
        user=user,
        name=name,
        token_hash=digest(plaintext),
        prefix=display_prefix(plaintext),
    )
    db.session.add(token)
    db.session.commit()
    log.info("personal token %s created by user %s", token.id, user.id)
    return token, plaintext


def revoke_token(user: User, token_id: int) -> PersonalToken:
    """Stop one of the person's tokens from working (TokenNotFound for others'); idempotent."""
    token = db.session.get(PersonalToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenNotFound(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        log.info("personal token %s revoked by user %s", token.id, user.id)
    return token


def authenticate(plaintext: str) -> PersonalToken | None:
    """The active personal token with this plaintext, or None."""
    return find_active(PersonalToken, plaintext, TOKEN_PREFIX)


def tokens_of(user: User) -> list[PersonalToken]:
    """The person's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(PersonalToken)
            .where(PersonalToken.user_id == user.id)
            .order_by(
                PersonalToken.revoked_at.is_not(None),
                PersonalToken.created_at.desc(),
                PersonalToken.id.desc(),
            )
        )
    )
