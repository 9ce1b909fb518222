"""Buyer accounts through the API: register, and trade the password for a personal token."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import current_app
from flask_babel import gettext as _

from ..extensions import limiter
from ..models import User
from ..services import accounts, personal_tokens
from .auth_schemas import AccountSchema, NewTokenSchema, RegisterSchema, TokenRequestSchema
from .base import ApiBlueprint
from .errors import api_abort
from .schemas import ErrorSchema

#: the name of a token asked for without one
DEFAULT_TOKEN_NAME = "API token"  # noqa: S105  (a name, not a secret)

auth_bp = ApiBlueprint(
    "api_auth",
    __name__,
    url_prefix="/api/v1",
    tag="Accounts",
    description=(
        "Register a buyer account and get a personal API token (`cp_...`) for your own cart "
        "and orders. No token needed here; attempts are rate-limited per address."
    ),
)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _rate_limited(view: Any) -> Any:
    return auth_bp.alt_response(
        429, schema=ErrorSchema, description="`rate_limited`: too many attempts; wait a minute"
    )(view)


@auth_bp.route("/auth/register", methods=["POST"])
@limiter.limit(_login_limit)
@auth_bp.arguments(RegisterSchema)
@auth_bp.response(201, AccountSchema)
@auth_bp.alt_response(
    409, schema=ErrorSchema, description="`email_taken`: an account with this address exists"
)
@_rate_limited
def register(data: dict[str, Any]) -> User:
    """Register a buyer account

    Then get a personal token with `POST /api/v1/auth/token`. A weak password is
    422 `validation_failed` with the reason under `errors.password`.
    """
    name = (data.get("name") or "").strip() or data["email"].partition("@")[0]
    try:
        return accounts.register(data["email"], name, data["password"])
    except accounts.EmailTaken:
        api_abort(409, "email_taken", _("An account with this e-mail address already exists."))
    except accounts.WeakPassword as weak:
        _invalid_field("password", _weak_password_message(weak))


@auth_bp.route("/auth/token", methods=["POST"])
@limiter.limit(_login_limit)
@auth_bp.arguments(TokenRequestSchema)
@auth_bp.response(201, NewTokenSchema)
@auth_bp.alt_response(
    401, schema=ErrorSchema, description="`invalid_credentials`: e-mail or password is wrong"
)
@_rate_limited
def create_token(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Get a personal API token

    Send it as `Authorization: Bearer <token>` to your cart and order endpoints. It is
    shown this once; your account page lists your tokens and revokes them.
    """
    try:
        user = accounts.authenticate(data["email"], data["password"])
    except accounts.InvalidCredentials:
        api_abort(401, "invalid_credentials", _("E-mail address or password is wrong."))
    try:
        token, plaintext = personal_tokens.create_token(user, data.get("name", DEFAULT_TOKEN_NAME))
    except personal_tokens.InvalidTokenName:
        _invalid_field(
            "name",
            _("Give the token a name of 1 to %(n)d characters.", n=personal_tokens.MAX_NAME_LENGTH),
        )
    body = {"token": plaintext, "id": token.id, "name": token.name, "prefix": token.prefix}
    # The token is in this response only: no cache may keep it.
    return body, 201, {"Cache-Control": "no-store"}


def _weak_password_message(error: accounts.WeakPassword) -> str:
    if error.args and error.args[0] == "email":
        return _("Your password must not contain your e-mail address.")
    return _("Use at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH)


def _invalid_field(name: str, message: str) -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        _("Some fields are wrong; see `errors`."),
        errors={name: [message]},
    )
