"""Personal token authentication: the buyer's own endpoints (cart, checkout, orders)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g
from flask_babel import gettext as _

from ..models import User
from ..services import api_tokens, personal_tokens
from .base import ApiBlueprint, bearer_token, invalid_token
from .schemas import ErrorSchema

#: the OpenAPI security scheme of personal tokens
PERSONAL_AUTH = "personalToken"
PERSONAL_AUTH_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "A personal API token (cp_...) for your own cart and orders: from "
    "`POST /api/v1/auth/token` with your e-mail address and password, or created on your "
    "account page. Revoke it there.",
}


def token_user() -> User:
    """The person whose personal bearer token the request carries; 401 otherwise."""
    credentials = bearer_token(
        _("Send your personal API token as 'Authorization: Bearer <token>'.")
    )
    if credentials.startswith(api_tokens.TOKEN_PREFIX):
        invalid_token(
            _(
                "This is a co-op's API token. Your cart and orders need a personal API token: "
                "get one with POST /api/v1/auth/token or on your account page."
            )
        )
    token = personal_tokens.authenticate(credentials)
    if token is None:
        invalid_token(_("This personal API token is not valid or has been revoked."))
    g.personal_token = token
    return token.user


def personal_token_auth(blueprint: ApiBlueprint) -> Callable[[Callable[..., Any]], Any]:
    """Authenticate the personal token first (before parsing the body) and pass its user;
    documented in `blueprint`'s operations."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def authenticated(*args: Any, **kwargs: Any) -> Any:
            return view(token_user(), *args, **kwargs)

        documented = blueprint.doc(security=[{PERSONAL_AUTH: []}])(authenticated)
        return blueprint.alt_response(
            401, schema=ErrorSchema, description="No token, or a revoked, unknown or co-op token"
        )(documented)

    return decorator
