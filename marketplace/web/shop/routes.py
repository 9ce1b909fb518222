"""The public shop: home, listings, co-ops, categories, labels, language."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...authz import can
from ...domain.permissions import Permission
from ...i18n import money_of
from ...services import accounts, catalog, label_catalog, labels, ratings, transparency
from ..helpers import page_number, safe_next
from . import bp
from .forms import LanguageForm


@bp.get("/")
def home() -> str:
    featured = catalog.featured_listings(limit=10)
    return render_template(
        "shop/home.html",
        listings=featured,
        listing_labels=labels.for_listings(featured),
        labels=catalog.all_labels(),
        categories=catalog.root_categories(),
    )


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> str:
    try:
        item = catalog.listing_for_viewer(
            listing_id, lambda coop: can(Permission.PREVIEW_COOP_LISTING, coop)
        )
    except catalog.NotFound:
        abort(404)
    verified = labels.for_listing(item)
    return render_template(
        "shop/listing.html",
        listing=item,
        verified=verified,
        why_verified=label_catalog.why_verified(verified),
        money_goes=transparency.money_goes(item, verified),
        amount=money_of,
    )


@bp.get("/coops/")
def coops() -> str:
    return render_template(
        "shop/coops.html",
        coops=catalog.admitted_coops(),
        counts=catalog.listing_counts_by_coop(),
    )


@bp.get("/coops/<slug>")
def coop(slug: str) -> str:
    try:
        found = catalog.public_coop(slug)
    except catalog.NotFound:
        abort(404)
    per_page = current_app.config["LISTINGS_PER_PAGE"]
    page = catalog.paginate(catalog.coop_listings(found), page_number(), per_page)
    return render_template(
        "shop/coop.html",
        coop=found,
        page=page,
        coop_labels=labels.for_coop(found.id),
        listing_labels=labels.for_listings(page.items),
        ratings=ratings.ratings_for_coop(found),
    )


@bp.get("/categories/")
def categories() -> str:
    return render_template(
        "shop/categories.html",
        categories=catalog.root_categories(),
        counts=catalog.public_counts_by_category(),
    )


@bp.get("/categories/<slug>")
def category(slug: str) -> str:
    try:
        found = catalog.category_by_slug(slug)
    except catalog.NotFound:
        abort(404)
    sort = request.args.get("sort", "newest")
    per_page = current_app.config["LISTINGS_PER_PAGE"]
    page = catalog.paginate(catalog.category_listings(found, sort), page_number(), per_page)
    return render_template(
        "shop/category.html",
        category=found,
        page=page,
        sort=sort,
        listing_labels=labels.for_listings(page.items),
    )


@bp.get("/labels/", endpoint="labels")
def label_index() -> str:
    return render_template("shop/labels.html", labels=label_catalog.public_labels())


@bp.get("/labels/<slug>")
def label(slug: str) -> str:
    try:
        page = label_catalog.label_page(slug)
    except label_catalog.LabelNotFound:
        abort(404)
    return render_template("shop/label.html", page=page)


@bp.post("/language")
def language() -> object:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            accounts.set_language(current_user, form.lang.data)
    return redirect(safe_next(form.next.data) or url_for("shop.home"))
