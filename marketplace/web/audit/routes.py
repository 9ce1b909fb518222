"""Reading the audit log: the federation's whole log, and each co-op's own part of it."""

from __future__ import annotations

from flask import render_template

from ...authz import require
from ...domain.permissions import Permission
from ...services import audit
from ..helpers import coop_or_404, page_number
from . import bp


@bp.get("/admin/audit")
@require(Permission.VIEW_AUDIT_LOG)
def federation_log() -> str:
    page = audit.entries(page=page_number())
    return render_template("audit/log.html", page=page, coop=None, actors=audit.actors(page))


@bp.get("/dashboard/<slug>/audit")
def coop_log(slug: str) -> str:
    coop = coop_or_404(slug, Permission.VIEW_COOP_AUDIT_LOG)
    page = audit.entries(coop, page=page_number())
    return render_template("audit/log.html", page=page, coop=coop, actors=audit.actors(page))
