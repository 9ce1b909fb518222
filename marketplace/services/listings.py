"""A co-op's own listings: create, edit, publish, pause, archive.

Forms, CSV imports and the API all come through here, so every path checks
the same rules (domain/listing_rules.py) and the same version.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..domain.listing_rules import ListingAction, TransitionRefused, clean_listing, next_status
from ..domain.messages import N_, FieldError
from ..extensions import db
from ..models import Category, Coop, Listing, ListingStatus, User
from ..models.base import utcnow

log = logging.getLogger(__name__)


class ListingInvalid(ValueError):
    """Some fields are wrong; `errors` says which and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = errors


class VersionConflict(Exception):
    """Someone else saved the listing since this edit began; `listing` is theirs."""

    def __init__(self, listing: Listing) -> None:
        super().__init__(f"listing {listing.id} is at version {listing.version}")
        self.listing = listing


class ListingNotFound(LookupError):
    pass


def listing_values(listing: Listing) -> dict[str, Any]:
    """A listing's current fields in the shape `clean_listing` accepts."""
    return {
        "sku": listing.sku or "",
        "title": listing.title,
        "description": listing.description,
        "kind": str(listing.kind),
        "category": listing.category.slug,
        "price_amount": listing.price_amount,
        "currency": listing.currency,
        "vat_rate_bp": listing.vat_rate_bp,
        "stock": listing.stock,
        "capacity": listing.capacity,
        "condition": str(listing.condition),
        "region": listing.region,
        "ships_to": listing.ships_to,
        "language": listing.language,
    }


def categories_by_slug() -> dict[str, Category]:
    return {c.slug: c for c in db.session.scalars(select(Category))}


def resolve(
    coop: Coop,
    raw: Mapping[str, Any],
    categories: Mapping[str, Category] | None = None,
    current: Listing | None = None,
) -> dict[str, Any]:
    """Checked model values for a listing of `coop`, or ListingInvalid.

    Does not write anything; the CSV import uses it to check a whole file first.
    """
    values, errors = clean_listing(raw)
    categories = categories if categories is not None else categories_by_slug()
    slug = values.pop("category", None)
    if slug is not None:
        if slug not in categories:
            errors.append(FieldError("category", N_("unknown category %(slug)r"), {"slug": slug}))
        else:
            values["category"] = categories[slug]
    if values.get("sku") and not errors:
        taken = db.session.scalar(
            select(Listing.id).where(Listing.coop_id == coop.id, Listing.sku == values["sku"])
        )
        if taken is not None and (current is None or taken != current.id):
            errors.append(
                FieldError(
                    "sku",
                    N_("%(sku)s is already used by another listing of this co-op"),
                    {"sku": values["sku"]},
                )
            )
    if errors:
        raise ListingInvalid(errors)
    return values


def create_listing(coop: Coop, raw: Mapping[str, Any], by: User | None = None) -> Listing:
    """Add a draft listing to the co-op."""
    values = resolve(coop, raw)
    listing = Listing(coop=coop, status=ListingStatus.DRAFT, **values)
    db.session.add(listing)
    db.session.commit()
    log.info("listing %s created for co-op %s by %s", listing.id, coop.slug, _who(by))
    return listing


def update_listing(
    listing: Listing, changes: Mapping[str, Any], expected_version: int, by: User | None = None
) -> Listing:
    """Save changes made to `expected_version`; VersionConflict if someone saved since."""
    if listing.version != expected_version:
        raise VersionConflict(listing)
    values = resolve(listing.coop, {**listing_values(listing), **changes}, current=listing)
    for name, value in values.items():
        setattr(listing, name, value)
    _commit_or_conflict(listing)
    log.info("listing %s updated to version %s by %s", listing.id, listing.version, _who(by))
    return listing


def change_status(
    listing: Listing,
    action: ListingAction | str,
    expected_version: int | None = None,
    by: User | None = None,
) -> Listing:
    """Publish, pause, archive or restore a listing (TransitionRefused if not allowed now)."""
    if expected_version is not None and listing.version != expected_version:
        raise VersionConflict(listing)
    new = next_status(str(listing.status), ListingAction(action))
    listing.status = ListingStatus(new)
    if new == "active" and listing.published_at is None:
        listing.published_at = utcnow()
    _commit_or_conflict(listing)
    log.info("listing %s is now %s (by %s)", listing.id, new, _who(by))
    return listing


def _commit_or_conflict(listing: Listing) -> None:
    """Commit; if another transaction saved the listing first, VersionConflict."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(listing)
        raise VersionConflict(listing) from None


def coop_listing(coop: Coop, listing_id: int) -> Listing:
    """One of the co-op's listings, whatever its status; ListingNotFound otherwise."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.coop_id != coop.id:
        raise ListingNotFound(listing_id)
    return listing


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "the system"


__all__ = [
    "ListingAction",
    "ListingInvalid",
    "ListingNotFound",
    "TransitionRefused",
    "VersionConflict",
    "change_status",
    "coop_listing",
    "create_listing",
    "listing_values",
    "resolve",
    "update_listing",
]
