"""Listings through the API: public reads, and a co-op's own listings with its token."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import url_for
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from ..models import Coop, Listing, ListingStatus
from ..services import catalog, listings
from .base import coop_bp, listings_bp, token_auth
from .errors import api_abort
from .schemas import (
    CoopListingQuerySchema,
    ErrorSchema,
    InvalidTransitionSchema,
    ListingCreateSchema,
    ListingInput,
    ListingPageSchema,
    ListingSchema,
    ListingUpdateSchema,
    PublicListingQuerySchema,
    VersionConflictSchema,
    VersionSchema,
    labelled,
)

#: listing ids in paths: positive and within the database's integer range
LISTING_ID = "<int(min=1, max=2147483647):listing_id>"
#: a domain error's field -> the field as the API names it
_API_FIELDS = {"price": "price.amount", "currency": "price.currency"}


def page_of(pagination: Pagination) -> dict[str, Any]:
    """The list envelope of one page of listings, their labels fetched in one query."""
    return {
        "total": pagination.total,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "items": labelled(pagination.items),
    }


# --- public -------------------------------------------------------------------------------


@listings_bp.route("/listings")
@listings_bp.arguments(PublicListingQuerySchema, location="query")
@listings_bp.response(200, ListingPageSchema)
def public_listings(query: dict[str, Any]) -> dict[str, Any]:
    """List active listings of admitted co-ops

    Newest first. An unknown co-op or category slug gives an empty list.
    """
    found = _public_query(query.get("coop"), query.get("category"))
    return page_of(catalog.paginate(found, query["page"], query["per_page"]))


@listings_bp.route(f"/listings/{LISTING_ID}")
@listings_bp.response(200, ListingSchema)
@listings_bp.alt_response(404, schema=ErrorSchema, description="No public listing with this id")
def public_listing(listing_id: int) -> Listing:
    """Read one active listing of an admitted co-op

    Drafts, paused and archived listings, and those of suspended co-ops, are 404 here.
    """
    try:
        return catalog.listing_for_viewer(listing_id, lambda coop: False)
    except catalog.NotFound:
        _not_found(listing_id)


def _public_query(coop_slug: str | None, category_slug: str | None) -> Select[tuple[Listing]]:
    query = catalog.public_listings().order_by(Listing.published_at.desc(), Listing.id.desc())
    if coop_slug is not None:
        query = query.where(Coop.slug == coop_slug)
    if category_slug is not None:
        try:
            category = catalog.category_by_slug(category_slug)
        except catalog.NotFound:
            return query.where(False)
        query = query.where(Listing.category_id.in_(catalog.descendant_ids(category)))
    return query


# --- the token's co-op --------------------------------------------------------------------


@coop_bp.route("/coop/listings")
@token_auth
@coop_bp.arguments(CoopListingQuerySchema, location="query")
@coop_bp.response(200, ListingPageSchema)
def own_listings(coop: Coop, query: dict[str, Any]) -> dict[str, Any]:
    """List your co-op's listings, whatever their status

    Oldest first (by id), so that paging through stays stable while you add listings.
    """
    found = _own_query(coop, query.get("status"), query.get("sku"))
    return page_of(catalog.paginate(found, query["page"], query["per_page"]))


@coop_bp.route(f"/coop/listings/{LISTING_ID}")
@token_auth
@coop_bp.response(200, ListingSchema)
@coop_bp.alt_response(404, schema=ErrorSchema, description="Not a listing of your co-op")
def own_listing(coop: Coop, listing_id: int) -> Listing:
    """Read one of your co-op's listings, drafts included"""
    return _own(coop, listing_id)


@coop_bp.route("/coop/listings", methods=["POST"])
@token_auth
@coop_bp.arguments(ListingCreateSchema)
@coop_bp.response(201, ListingSchema, description="Created, as a draft")
def create_own_listing(coop: Coop, data: ListingInput) -> tuple[Listing, int, dict[str, str]]:
    """Create a listing

    The listing starts as a draft, visible only to your co-op: publish it with
    `POST /api/v1/coop/listings/{listing_id}/publish`. `Location` names the new listing.
    HTML in text fields is kept as text: the shop shows it escaped.
    """
    try:
        listing = listings.create_listing(coop, data.raw)
    except listings.ListingInvalid as invalid:
        _invalid(invalid, data)
    location = url_for("api_coop.own_listing", listing_id=listing.id, _external=True)
    return listing, 201, {"Location": location}


@coop_bp.route(f"/coop/listings/{LISTING_ID}", methods=["PATCH"])
@token_auth
@coop_bp.arguments(ListingUpdateSchema)
@coop_bp.response(200, ListingSchema)
@coop_bp.alt_response(404, schema=ErrorSchema, description="Not a listing of your co-op")
@coop_bp.alt_response(
    409, schema=VersionConflictSchema, description="`version_conflict`: someone saved since"
)
def update_own_listing(coop: Coop, data: ListingInput, listing_id: int) -> Listing:
    """Change some fields of a listing

    Send only the fields to change, with the `version` you read. If the listing was
    saved since, nothing is changed and the answer is 409 `version_conflict` with the
    listing as it is now. The status changes through publish, pause and archive.
    """
    listing = _own(coop, listing_id)
    try:
        return listings.update_listing(listing, data.raw, data.version or 0)
    except listings.VersionConflict as conflict:
        _conflict(conflict.listing)
    except listings.ListingInvalid as invalid:
        _invalid(invalid, data)


def _transition_doc(view: Any) -> Any:
    view = coop_bp.alt_response(404, schema=ErrorSchema, description="Not your listing")(view)
    view = coop_bp.alt_response(
        409,
        schema=InvalidTransitionSchema,
        description="`invalid_transition` from the current status, or `version_conflict`",
    )(view)
    view = coop_bp.response(200, ListingSchema)(view)
    return coop_bp.arguments(VersionSchema, required=False)(view)


@coop_bp.route(f"/coop/listings/{LISTING_ID}/publish", methods=["POST"])
@token_auth
@_transition_doc
def publish_own_listing(coop: Coop, data: dict[str, Any], listing_id: int) -> Listing:
    """Publish a draft or paused listing

    It then shows in the shop (while your co-op is admitted).
    """
    return _transition(coop, listing_id, listings.ListingAction.PUBLISH, data)


@coop_bp.route(f"/coop/listings/{LISTING_ID}/pause", methods=["POST"])
@token_auth
@_transition_doc
def pause_own_listing(coop: Coop, data: dict[str, Any], listing_id: int) -> Listing:
    """Pause an active listing

    It leaves the shop until you publish it again.
    """
    return _transition(coop, listing_id, listings.ListingAction.PAUSE, data)


@coop_bp.route(f"/coop/listings/{LISTING_ID}/archive", methods=["POST"])
@token_auth
@_transition_doc
def archive_own_listing(coop: Coop, data: dict[str, Any], listing_id: int) -> Listing:
    """Archive a listing

    It leaves the shop for good; restore it to edit and publish it again.
    """
    return _transition(coop, listing_id, listings.ListingAction.ARCHIVE, data)


@coop_bp.route(f"/coop/listings/{LISTING_ID}/restore", methods=["POST"])
@token_auth
@_transition_doc
def restore_own_listing(coop: Coop, data: dict[str, Any], listing_id: int) -> Listing:
    """Restore an archived listing

    It becomes a draft again.
    """
    return _transition(coop, listing_id, listings.ListingAction.RESTORE, data)


def _transition(
    coop: Coop, listing_id: int, action: listings.ListingAction, data: dict[str, Any]
) -> Listing:
    listing = _own(coop, listing_id)
    try:
        return listings.change_status(listing, action, data.get("version"))
    except listings.VersionConflict as conflict:
        _conflict(conflict.listing)
    except listings.TransitionRefused:
        api_abort(
            409,
            "invalid_transition",
            _(
                "A listing that is %(status)s cannot be changed by %(action)s.",
                status=str(listing.status),
                action=str(action),
            ),
            status=str(listing.status),
        )


def _own_query(coop: Coop, status: str | None, sku: str | None) -> Select[tuple[Listing]]:
    query = select(Listing).where(Listing.coop_id == coop.id).order_by(Listing.id)
    if status is not None:
        query = query.where(Listing.status == ListingStatus(status))
    if sku is not None:
        query = query.where(Listing.sku == sku)
    return query


def _own(coop: Coop, listing_id: int) -> Listing:
    try:
        return listings.coop_listing(coop, listing_id)
    except listings.ListingNotFound:
        _not_found(listing_id)


def _not_found(listing_id: int) -> NoReturn:
    api_abort(404, "not_found", _("There is no listing %(id)d here.", id=listing_id))


def _conflict(current: Listing) -> NoReturn:
    api_abort(
        409,
        "version_conflict",
        _(
            "Someone saved this listing since you read it; it is now at version %(version)d. "
            "Nothing was changed.",
            version=current.version,
        ),
        listing=ListingSchema().dump(current),
    )


def _invalid(invalid: listings.ListingInvalid, data: ListingInput) -> NoReturn:
    errors: dict[str, list[str]] = {}
    for error in invalid.errors:
        name = _API_FIELDS.get(error.field, error.field)
        if name == "vat_rate" and "vat_rate_bp" in data.sent:
            name = "vat_rate_bp"
        errors.setdefault(name, []).append(_(error.template, **error.params))
    api_abort(422, "validation_failed", _("The listing was not saved; see `errors`."), errors)
