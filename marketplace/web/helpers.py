"""Small helpers shared by the blueprints."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import gettext

from ..authz import ensure
from ..domain.messages import FieldError
from ..domain.permissions import Permission
from ..models import Coop
from ..services import coops


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a visitor to another host.

    Browsers and URL parsers drop tabs and newlines and read backslashes as slashes,
    so "/\t/evil.example" would become "//evil.example": refuse any such character.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


#: the largest page number or id a URL may carry (PostgreSQL's INTEGER)
MAX_ID = 2**31 - 1


def page_number() -> int:
    """The `page` query argument, between 1 and a sane maximum."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


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
