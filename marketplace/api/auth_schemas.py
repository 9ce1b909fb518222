"""What the account endpoints read and write: registering, and getting a personal token."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..services.accounts import MIN_PASSWORD_LENGTH
from ..services.personal_tokens import MAX_NAME_LENGTH
from .schemas import OutputSchema, described

#: as on the site's forms: long enough for any passphrase, short enough to hash cheaply
MAX_PASSWORD_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_PERSON_NAME_LENGTH = 120


def _password(description: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(max=MAX_PASSWORD_LENGTH),
        load_only=True,
        **described(description),
    )


class RegisterSchema(Schema):
    """A new buyer account."""

    error_messages = {"type": "The body must be a JSON object."}

    email = fields.Email(
        required=True,
        validate=validate.Length(max=MAX_EMAIL_LENGTH),
        **described("You log in with it; stored lower-case"),
    )
    password = _password(
        f"At least {MIN_PASSWORD_LENGTH} characters, and not your e-mail address "
        "(422 `validation_failed` otherwise)"
    )
    name = fields.String(
        validate=validate.Length(max=MAX_PERSON_NAME_LENGTH),
        **described("How co-ops address you; default: your e-mail address before the @"),
    )


class AccountSchema(OutputSchema):
    """A buyer account."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)


class TokenRequestSchema(Schema):
    """Your e-mail address and password, for a new personal token."""

    error_messages = {"type": "The body must be a JSON object."}

    email = fields.String(required=True, validate=validate.Length(max=MAX_EMAIL_LENGTH))
    password = _password("Your account's password")
    name = fields.String(
        validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        **described("What the token is for, shown on your account page; default: “API token”"),
    )


class NewTokenSchema(OutputSchema):
    """A new personal token. `token` is shown this once: only a fingerprint of it is kept."""

    token = fields.String(
        required=True,
        **described("Send it as `Authorization: Bearer <token>`; it starts with `cp_`"),
    )
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(
        required=True, **described("The token's first characters, as your account page shows it")
    )
