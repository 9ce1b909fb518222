"""Small helpers shared by the blueprints."""

from __future__ import annotations

from flask import request


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a visitor to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def page_number() -> int:
    """The `page` query argument, at least 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)
