"""What co-op and personal API tokens share: how one is made, named, stored and recognised.

A token is a recognisable prefix plus 32 random bytes. Only its SHA-256 is stored:
a token carries its own entropy, so a slow password hash would add nothing but latency.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, PersonalToken
from ..models.base import utcnow

#: how many characters of a token are kept to tell tokens apart
DISPLAY_PREFIX_LENGTH = 10
MAX_NAME_LENGTH = 80
#: `last_used_at` is written at most this often, so reads do not all become writes
LAST_USED_RESOLUTION = timedelta(minutes=1)
_RANDOM_BYTES = 32
_RANDOM_LENGTH = 43  # token_urlsafe(32) gives 43 characters

_Token = TypeVar("_Token", ApiToken, PersonalToken)


class InvalidTokenName(ValueError):
    """A token needs a name of 1 to 80 characters."""


class TokenNotFound(LookupError):
    pass


def digest(plaintext: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_plaintext(prefix: str) -> str:
    """A fresh token starting with `prefix`."""
    return prefix + secrets.token_urlsafe(_RANDOM_BYTES)


def display_prefix(plaintext: str) -> str:
    """The start of a token that is kept, to tell a person's tokens apart."""
    return plaintext[:DISPLAY_PREFIX_LENGTH]


def clean_name(name: str | None) -> str:
    """The token's name without surrounding spaces; InvalidTokenName if empty or too long."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidTokenName(name)
    return name


def is_well_formed(plaintext: str, prefix: str) -> bool:
    """Whether `plaintext` could be a token with this prefix (checked before any lookup)."""
    return plaintext.startswith(prefix) and len(plaintext) == len(prefix) + _RANDOM_LENGTH


def is_due_for_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether `last_used_at` is old enough to be written again."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


def find_active(model: type[_Token], plaintext: str, prefix: str) -> _Token | None:
    """The active token of `model` with this plaintext, or None; notes when it was last used."""
    if not is_well_formed(plaintext, prefix):
        return None
    # Looking up the hash, not the token, keeps the comparison free of timing leaks.
    token = db.session.scalar(select(model).where(model.token_hash == digest(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if is_due_for_touch(token.last_used_at, now):
        token.last_used_at = now
        db.session.commit()
    return token
