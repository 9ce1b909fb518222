"""A co-op's listings in its dashboard: create, edit, publish, pause, archive."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...domain.listing_rules import FIELDS, ListingAction
from ...domain.money import Money, vat_percent
from ...domain.permissions import Permission
from ...i18n import enum_label
from ...models import Coop, Listing
from ...services import listings
from ...services.catalog import category_choices
from ..helpers import MAX_ID, coop_or_404, field_errors_to_form, safe_next
from . import bp
from .forms import ActionForm, ListingForm

FORM_FIELDS = FIELDS


def _typed(listing: Listing) -> dict[str, object]:
    """A listing's values as a person types them (prices in major units)."""
    values = listings.listing_values(listing)
    values["price"] = str(Money(listing.price_amount, listing.currency).to_decimal())
    values["vat_rate"] = str(vat_percent(listing.vat_rate_bp))
    for name in ("stock", "capacity"):
        values[name] = "" if values[name] is None else str(values[name])
    values["version"] = listing.version
    return values


def _form(**kwargs: object) -> ListingForm:
    form = ListingForm(**kwargs)
    form.category.choices = [
        SelectChoice(slug, label, optgroup=group) for slug, label, group in category_choices()
    ]
    return form


def _submitted(form: ListingForm) -> dict[str, object]:
    return {name: form[name].data for name in FORM_FIELDS}


@bp.route("/dashboard/<slug>/listings/new", methods=["GET", "POST"])
def new_listing(slug: str) -> object:
    coop = coop_or_404(slug, Permission.EDIT_COOP_LISTINGS)
    form = _form(data={"currency": coop.currency, "kind": "good", "language": "en"})
    if form.validate_on_submit():
        try:
            listing = listings.create_listing(coop, _submitted(form), current_user)
        except listings.ListingInvalid as invalid:
            field_errors_to_form(form, invalid.errors)
        else:
            flash(_("Draft saved. Add pictures, then publish it when it is ready."), "success")
            return redirect(url_for("dashboard.edit_listing", slug=slug, listing_id=listing.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "dashboard/listing_form.html", coop=coop, form=form, listing=None
    ), status


@bp.route("/dashboard/<slug>/listings/<int:listing_id>/edit", methods=["GET", "POST"])
def edit_listing(slug: str, listing_id: int) -> object:
    coop = coop_or_404(slug, Permission.EDIT_COOP_LISTINGS)
    listing = _listing_or_404(coop, listing_id)
    form = _form(data=_typed(listing))
    conflict = None
    if form.validate_on_submit():
        try:
            listings.update_listing(listing, _submitted(form), _version(form), current_user)
        except listings.ListingInvalid as invalid:
            field_errors_to_form(form, invalid.errors)
        except listings.VersionConflict:
            conflict = _conflict(listing, form)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("dashboard.edit_listing", slug=slug, listing_id=listing_id))
    status = 409 if conflict else 400 if form.errors or form.form_errors else 200
    return render_template(
        "dashboard/listing_form.html",
        coop=coop,
        form=form,
        listing=listing,
        conflict=conflict,
        action_form=ActionForm(data={"version": listing.version}),
    ), status


@bp.post(
    "/dashboard/<slug>/listings/<int:listing_id>/<any(publish, pause, archive, restore):action>"
)
def listing_action(slug: str, listing_id: int, action: str) -> object:
    coop = coop_or_404(slug, Permission.EDIT_COOP_LISTINGS)
    listing = _listing_or_404(coop, listing_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        listings.change_status(listing, ListingAction(action), _version(form), current_user)
    except listings.TransitionRefused:
        flash(
            _(
                "That is not possible for a listing that is %(status)s.",
                status=enum_label(listing.status),
            ),
            "error",
        )
    except listings.VersionConflict:
        flash(_("Someone else changed this listing a moment ago; please look again."), "error")
    else:
        flash(_STATUS_MESSAGES[action](), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.coop", slug=slug))


_STATUS_MESSAGES = {
    "publish": lambda: _("Published: buyers can find it now."),
    "pause": lambda: _("Paused: buyers cannot see it until you publish it again."),
    "archive": lambda: _("Archived."),
    "restore": lambda: _("Restored as a draft."),
}


def _listing_or_404(coop: Coop, listing_id: int) -> Listing:
    try:
        return listings.coop_listing(coop, listing_id)
    except listings.ListingNotFound:
        abort(404)


def _version(form: object) -> int:
    raw = str(form.version.data or "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        abort(400)
    return int(raw)


def _conflict(listing: Listing, form: ListingForm) -> dict[str, object]:
    """What the other person saved, next to what this person typed (which stays in the form)."""
    theirs = _typed(listing)
    mine = _submitted(form)
    differences = [
        (form[name].label.text, theirs.get(name), mine.get(name))
        for name in FORM_FIELDS
        if str(theirs.get(name) or "") != str(mine.get(name) or "")
    ]
    form.version.data = listing.version
    return {"version": listing.version, "differences": differences}
