"""Co-ops through the API: the public directory, and a token's own co-op profile."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..models import Coop
from ..services import catalog
from .base import coop_bp, coops_bp, token_auth
from .errors import api_abort
from .schemas import CoopPageSchema, CoopProfileSchema, CoopSchema, ErrorSchema, PageQuerySchema


@coops_bp.route("/coops")
@coops_bp.arguments(PageQuerySchema, location="query")
@coops_bp.response(200, CoopPageSchema)
def public_coops(query: dict[str, Any]) -> dict[str, Any]:
    """List the federation's admitted co-ops

    By name.
    """
    everyone = catalog.admitted_coops()
    page, per_page = query["page"], query["per_page"]
    start = (page - 1) * per_page
    return {
        "total": len(everyone),
        "page": page,
        "per_page": per_page,
        "items": everyone[start : start + per_page],
    }


@coops_bp.route("/coops/<slug>")
@coops_bp.response(200, CoopSchema)
@coops_bp.alt_response(404, schema=ErrorSchema, description="No admitted co-op with this slug")
def public_coop(slug: str) -> Coop:
    """Read one admitted co-op

    Its listings: `GET /api/v1/listings?coop={slug}`.
    """
    try:
        return catalog.public_coop(slug)
    except catalog.NotFound:
        api_abort(404, "not_found", _("There is no admitted co-op %(slug)s.", slug=slug))


@coop_bp.route("/coop")
@token_auth
@coop_bp.response(200, CoopProfileSchema)
def own_coop(coop: Coop) -> Coop:
    """Read your co-op's profile

    The co-op the token belongs to, with its shipping settings.
    """
    return coop
