"""Registering, logging in and changing passwords."""

from __future__ import annotations

import logging

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from ..models.user import new_session_token

log = logging.getLogger(__name__)

#: Argon2id with the library's recommended parameters (RFC 9106, low memory); the test
#: suite selects the cheapest profile so that hundreds of logins stay fast.
_HASHERS = {
    "argon2id": PasswordHasher(),
    "argon2id-cheap-for-tests": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
#: Verified against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASHES = {name: hasher.hash("not anyone's password") for name, hasher in _HASHERS.items()}


def _hasher() -> PasswordHasher:
    return _HASHERS[current_app.config["PASSWORD_HASHER"]]


MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """A reason an account action was refused, safe to show to the person."""


class EmailTaken(AccountError):
    pass


class InvalidCredentials(AccountError):
    pass


class WeakPassword(AccountError):
    """args[0] says why: "short" or "email"."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _check_strength(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword("short")
    if password.lower() == email.lower() or password.lower() in email.lower():
        raise WeakPassword("email")


def find_user(email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register(email: str, name: str, password: str) -> User:
    """Create a buyer account."""
    email = normalise_email(email)
    _check_strength(password, email)
    if find_user(email) is not None:
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    log.info("registered user %s", user.id)
    return user


def authenticate(email: str, password: str) -> User:
    """The user whose e-mail and password these are; upgrades an outdated hash."""
    user = find_user(email)
    try:
        _hasher().verify(
            user.password_hash if user else _DUMMY_HASHES[current_app.config["PASSWORD_HASHER"]],
            password,
        )
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if user is None:
        raise InvalidCredentials()
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end the user's other sessions."""
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    _check_strength(new, user.email)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    db.session.commit()
    log.info("user %s changed their password", user.id)


def create_admin(email: str, name: str, password: str) -> tuple[User, bool]:
    """Make `email` a federation admin, creating the account if needed; True if created."""
    user = find_user(email)
    created = user is None
    if user is None:
        email = normalise_email(email)
        _check_strength(password, email)
        user = User(email=email, name=name, password_hash=hash_password(password))
        db.session.add(user)
    user.is_federation_admin = True
    db.session.commit()
    log.info("user %s is a federation admin", user.id)
    return user, created


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: id and session token must both match."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_token != token:
        return None
    return user


def set_language(user: User, language: str) -> None:
    """Remember the language the user chose."""
    user.locale = language
    db.session.commit()


def end_sessions(user: User) -> None:
    """Log the user out everywhere: a copied session cookie stops working too."""
    user.session_token = new_session_token()
    db.session.commit()
