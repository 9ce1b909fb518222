"""The co-op dashboard: a co-op's own view of its shop."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...authz import can, ensure
from ...domain.permissions import Permission
from ...services import coops
from . import bp


@bp.get("/dashboard/")
@login_required
def index() -> object:
    mine = coops.coops_of(current_user)
    if len(mine) == 1:
        return redirect(url_for("dashboard.coop", slug=mine[0].slug))
    return render_template("dashboard/index.html", coops=mine)


@bp.get("/dashboard/<slug>")
def coop(slug: str) -> str:
    try:
        found = coops.coop_by_slug(slug)
    except coops.CoopNotFound:
        abort(404)
    ensure(Permission.VIEW_COOP_DASHBOARD, found)
    return render_template(
        "dashboard/coop.html",
        coop=found,
        listings=coops.coop_listings_all(found),
        is_admin=can(Permission.MANAGE_COOP, found),
    )
