"""Small helpers shared by the blueprints."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext

from ..authz import ensure
from ..domain.messages import FieldError
from ..domain.permissions import Permission
from ..models import Coop
from ..services import coops


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a visitor to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def page_number() -> int:
    """The `page` query argument, at least 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def field_errors_to_form(form: Any, errors: list[FieldError]) -> None:
    """Show domain errors next to the form fields they concern, translated."""
    for error in errors:
        message = gettext(error.template, **error.params)
        field = getattr(form, error.field, None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            form.form_errors.append(f"{error.field}: {message}")


def coop_or_404(slug: str, permission: Permission) -> Coop:
    """The co-op named in the URL, if the current user holds `permission` for it."""
    try:
        coop = coops.coop_by_slug(slug)
    except coops.CoopNotFound:
        abort(404)
    ensure(permission, coop)
    return coop
