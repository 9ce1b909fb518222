"""The co-op dashboard: overview, settings, data export, applying to join."""

from __future__ import annotations

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...authz import can
from ...domain.permissions import Permission
from ...services import admission, coops, data_export
from ..helpers import coop_or_404, field_errors_to_form
from . import bp
from .forms import ApplyForm, SettingsForm


@bp.get("/dashboard/")
@login_required
def index() -> object:
    mine = coops.coops_of(current_user)
    if len(mine) == 1:
        return redirect(url_for("dashboard.coop", slug=mine[0].slug))
    return render_template("dashboard/index.html", coops=mine)


@bp.get("/dashboard/<slug>")
def coop(slug: str) -> str:
    found = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    return render_template(
        "dashboard/coop.html",
        coop=found,
        listings=coops.coop_listings_all(found),
        is_admin=can(Permission.MANAGE_COOP, found),
    )


@bp.route("/dashboard/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str) -> object:
    found = coop_or_404(slug, Permission.MANAGE_COOP)
    form = SettingsForm(data=coops.settings_values(found))
    if form.validate_on_submit():
        try:
            coops.update_settings(found, form.data, current_user)
        except coops.SettingsInvalid as invalid:
            field_errors_to_form(form, invalid.errors)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("dashboard.settings", slug=slug))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("dashboard/settings.html", coop=found, form=form), status


@bp.get("/dashboard/<slug>/export.zip")
def export(slug: str) -> object:
    found = coop_or_404(slug, Permission.MANAGE_COOP)
    archive = data_export.export_coop(found)
    return send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{found.slug}-export.zip",
        max_age=0,
    )


@bp.route("/coops/apply", methods=["GET", "POST"])
@login_required
def apply() -> object:
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            applied = admission.apply_for_membership(form.data, current_user)
        except admission.ApplicationInvalid as invalid:
            field_errors_to_form(form, invalid.errors)
        else:
            flash(
                _(
                    "Thank you! The federation will look at %(name)s's application.",
                    name=applied.name,
                ),
                "success",
            )
            return redirect(url_for("dashboard.coop", slug=applied.slug))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("dashboard/apply.html", form=form), status
