"""Federation administration: co-ops' admission, suspension and readmission."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...authz import require
from ...domain.coop_rules import ADMISSION_TRANSITIONS
from ...domain.permissions import Permission
from ...i18n import enum_label
from ...services import admission, coops
from . import bp
from .forms import DecisionForm


@bp.get("/admin/")
@require(Permission.ADMINISTER_FEDERATION)
def index() -> str:
    return render_template(
        "admin/index.html", applications=admission.applications(), **coops.federation_overview()
    )


@bp.route("/admin/coops/<slug>", methods=["GET", "POST"])
@require(Permission.ADMINISTER_FEDERATION)
def coop(slug: str) -> object:
    try:
        found = coops.coop_by_slug(slug)
    except coops.CoopNotFound:
        abort(404)
    form = DecisionForm()
    form.decision.choices = [
        choice
        for choice in form.decision.choices
        if (str(found.status), choice.value) in ADMISSION_TRANSITIONS
    ]
    if form.validate_on_submit():
        try:
            admission.decide(found, form.decision.data, form.reason.data, current_user)
        except admission.ReasonRequired:
            form.reason.errors.append(_("Please give the co-op a reason."))
        except admission.DecisionRefused:
            flash(_("That decision is not possible for this co-op now."), "error")
        else:
            flash(
                _(
                    "Decision recorded: %(name)s is now %(status)s.",
                    name=found.name,
                    status=enum_label(found.status),
                ),
                "success",
            )
            return redirect(url_for("admin.coop", slug=slug))
    status = 400 if form.errors else 200
    return render_template(
        "admin/coop.html", coop=found, form=form, members=found.memberships
    ), status
