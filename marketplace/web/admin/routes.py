"""Federation administration."""

from __future__ import annotations

from flask import render_template

from ...authz import require
from ...domain.permissions import Permission
from ...services import coops
from . import bp


@bp.get("/admin/")
@require(Permission.ADMINISTER_FEDERATION)
def index() -> str:
    return render_template("admin/index.html", **coops.federation_overview())
