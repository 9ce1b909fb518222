"""The API's blueprints, its request parser and co-op token authentication."""

from __future__ import annotations

import typing
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask
from flask import g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser

from ..models import Coop, CoopStatus
from ..services import api_tokens
from .errors import api_abort, flatten_messages
from .schemas import ErrorSchema

#: the OpenAPI security scheme of co-op tokens
BEARER_AUTH = "bearerAuth"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiParser(FlaskParser):
    """webargs' Flask parser, with errors in the API's own shape."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            self._invalid_json()

    def _handle_invalid_json_error(self, *args: Any, **kwargs: Any) -> typing.NoReturn:
        self._invalid_json()

    @staticmethod
    def _invalid_json() -> typing.NoReturn:
        api_abort(400, "invalid_json", _("The request body is not valid JSON."))

    def handle_error(  # type: ignore[override]
        self, error: ValidationError, req: flask.Request, schema: Any, **kwargs: Any
    ) -> typing.NoReturn:
        api_abort(
            422,
            "validation_failed",
            _("Some fields are wrong; see `errors`."),
            errors=flatten_messages(error.messages),
        )


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose operations carry one human-readable tag."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, name: str, import_name: str, *, tag: str, **kwargs: Any) -> None:
        self.tag = tag
        super().__init__(name, import_name, **kwargs)
        self.before_request(_require_json_body)

    def add_url_rule(  # type: ignore[override]
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        *,
        parameters: list[Any] | None = None,
        tags: list[str] | None = None,
        **options: Any,
    ) -> None:
        super().add_url_rule(
            rule,
            endpoint,
            view_func,
            provide_automatic_options,
            parameters=parameters,
            tags=tags or [self.tag],
            **options,
        )


def _require_json_body() -> None:
    """A write with a body that is not JSON gets 415, not a confusing 'field missing'."""
    if request.method in _WRITE_METHODS and request.content_length and not request.is_json:
        api_abort(
            415,
            "unsupported_media_type",
            _("Send the request body as JSON (Content-Type: application/json)."),
        )


listings_bp = ApiBlueprint(
    "api_listings",
    __name__,
    url_prefix="/api/v1",
    tag="Listings",
    description="Active listings of admitted co-ops. Public: no token needed.",
)
coops_bp = ApiBlueprint(
    "api_coops",
    __name__,
    url_prefix="/api/v1",
    tag="Co-ops",
    description="The federation's admitted co-ops. Public: no token needed.",
)
labels_bp = ApiBlueprint(
    "api_labels",
    __name__,
    url_prefix="/api/v1",
    tag="Labels",
    description=(
        "Fairness and sustainability labels and the criteria the review board checks claims "
        "against. Public: no token needed."
    ),
)
coop_bp = ApiBlueprint(
    "api_coop",
    __name__,
    url_prefix="/api/v1",
    tag="Your co-op",
    description=(
        "The co-op a token belongs to: its profile and all its listings, drafts included. "
        "Needs the co-op's API token: `Authorization: Bearer <token>`."
    ),
)


def bearer_token(missing: str) -> str:
    """The token of the request's `Authorization: Bearer` header; 401 `unauthorized` with the
    message `missing` when there is none."""
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        api_abort(401, "unauthorized", missing, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return credentials


def invalid_token(message: str) -> typing.NoReturn:
    """Stop the request: 401 `invalid_token`, for a bearer token that is unknown or revoked."""
    api_abort(
        401,
        "invalid_token",
        message,
        headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
    )


def token_coop() -> Coop:
    """The co-op of the request's bearer token; stops the request with 401/403 otherwise."""
    credentials = bearer_token(_("Send your co-op's API token as 'Authorization: Bearer <token>'."))
    token = api_tokens.authenticate(credentials)
    if token is None:
        invalid_token(_("This API token is not valid or has been revoked."))
    coop = token.coop
    if coop.status is CoopStatus.SUSPENDED:
        api_abort(403, "coop_suspended", _("This co-op is suspended by the federation."))
    if coop.status is not CoopStatus.ADMITTED:
        api_abort(403, "coop_not_admitted", _("This co-op has not been admitted yet."))
    g.api_token = token
    return coop


def token_auth(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate the co-op token first (before parsing the body) and pass its co-op."""

    @wraps(view)
    def authenticated(*args: Any, **kwargs: Any) -> Any:
        return view(token_coop(), *args, **kwargs)

    documented = coop_bp.doc(security=[{BEARER_AUTH: []}])(authenticated)
    documented = coop_bp.alt_response(
        401, schema=ErrorSchema, description="No token, or a revoked or unknown one"
    )(documented)
    return coop_bp.alt_response(
        403,
        schema=ErrorSchema,
        description="The token's co-op is suspended (`coop_suspended`) or not admitted",
    )(documented)
