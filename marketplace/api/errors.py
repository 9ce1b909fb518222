"""JSON errors for the API: `{"code", "message", "errors"?}` with a stable `code`.

The site's error handlers (web/errors.py) hand every request under /api/ to
`api_error_response`, so API clients never get an HTML page, not even for a
URL that matches no route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from flask import Response, jsonify, request
from flask_babel import gettext as _
from webargs.flaskparser import abort
from werkzeug.exceptions import HTTPException

API_PATH_PREFIX = "/api/"

#: HTTP status -> the `code` an error gets when the view did not name a more precise one
DEFAULT_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
}


def _default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Send your co-op's API token as 'Authorization: Bearer <token>'."),
        403: _("This token may not do that."),
        404: _("Nothing found at this address."),
        405: _("This address does not accept that method."),
        409: _("The request conflicts with the current state."),
        413: _("The request body is too large."),
        415: _("Send the request body as JSON (Content-Type: application/json)."),
        422: _("Some fields are wrong; see `errors`."),
        429: _("Too many requests. Please wait a minute before you try again."),
    }
    return messages.get(status) or _("Something went wrong. Please try again in a moment.")


def is_api_request() -> bool:
    """Whether the current request is for the JSON API (and so wants JSON errors)."""
    return request.path.startswith(API_PATH_PREFIX)


def api_abort(
    http_status: int,
    code: str,
    message: str,
    /,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> NoReturn:
    """Stop the request with a JSON error; `extra` adds keys to the body."""
    abort(http_status, code=code, message=message, errors=errors, headers=headers, extra=extra)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"price.amount": ["..."]}, without the location."""
    if isinstance(messages, Mapping):
        if not prefix and set(messages) <= {"json", "query", "path", "view_args"}:
            flat: dict[str, list[str]] = {}
            for inner in messages.values():
                flat.update(flatten_messages(inner))
            return flat
        flat = {}
        for key, inner in messages.items():
            if key == "_schema":  # about the object itself, not one of its fields
                flat.update(flatten_messages(inner, prefix))
            else:
                flat.update(flatten_messages(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_body": list(messages)}
        flat = {}
        for index, inner in enumerate(messages):
            flat.update(flatten_messages(inner, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "_body": [str(messages)]}


def api_error_response(error: HTTPException) -> Response:
    """The JSON response for any HTTP error raised while serving the API."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    payload: dict[str, Any] = {
        "code": data.get("code") or DEFAULT_CODES.get(status, "error"),
        "message": data.get("message") or _default_message(status),
    }
    errors = data.get("errors")
    if errors is None and data.get("messages"):
        errors = flatten_messages(data["messages"])
    if errors:
        payload["errors"] = errors
    payload.update(data.get("extra") or {})
    response = jsonify(payload)
    response.status_code = status
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response
