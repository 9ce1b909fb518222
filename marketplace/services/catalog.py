"""What the shop shows: public listings, co-ops, categories and labels."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Category, Coop, CoopStatus, Label, Listing, ListingStatus


class NotFound(LookupError):
    """Nothing public by that name or id."""


def public_listings() -> Select[tuple[Listing]]:
    """Active listings of admitted co-ops: the only ones a buyer ever sees."""
    return (
        select(Listing)
        .join(Listing.coop)
        .where(Listing.status == ListingStatus.ACTIVE, Coop.status == CoopStatus.ADMITTED)
        .options(joinedload(Listing.coop), selectinload(Listing.images))
    )


def public_by_ids(ids: list[int]) -> list[Listing]:
    """The listings with these ids that buyers may see (any order).

    Loaded by primary key and checked in Python: with the status condition in SQL,
    SQLite scans every active listing through the status index instead.
    """
    if not ids:
        return []
    found = db.session.scalars(
        select(Listing)
        .where(Listing.id.in_(ids))
        .options(joinedload(Listing.coop), selectinload(Listing.images))
    ).unique()
    return [
        listing
        for listing in found
        if listing.status is ListingStatus.ACTIVE and listing.coop.status is CoopStatus.ADMITTED
    ]


def featured_listings(limit: int = 12) -> list[Listing]:
    """The newest listings, taken in turn from each co-op so that no one co-op fills the page."""
    ranked = (
        select(
            Listing.id,
            func.row_number()
            .over(partition_by=Listing.coop_id, order_by=(Listing.published_at.desc(), Listing.id))
            .label("rank"),
        )
        .join(Listing.coop)
        .where(Listing.status == ListingStatus.ACTIVE, Coop.status == CoopStatus.ADMITTED)
        .subquery()
    )
    ids = db.session.scalars(
        select(ranked.c.id).order_by(ranked.c.rank, ranked.c.id).limit(limit)
    ).all()
    by_id = {
        listing.id: listing
        for listing in db.session.scalars(public_listings().where(Listing.id.in_(ids)))
    }
    return [by_id[i] for i in ids if i in by_id]


def listing_for_viewer(listing_id: int, may_preview: Any) -> Listing:
    """A listing the viewer may see: public ones, or any of a co-op they may preview."""
    listing = db.session.get(
        Listing, listing_id, options=[joinedload(Listing.coop), joinedload(Listing.category)]
    )
    if listing is None:
        raise NotFound(listing_id)
    public = listing.status is ListingStatus.ACTIVE and listing.coop.is_admitted
    if not public and not may_preview(listing.coop):
        raise NotFound(listing_id)
    return listing


def paginate(query: Select[Any], page: int, per_page: int) -> Pagination:
    return db.paginate(query, page=page, per_page=per_page, error_out=False, max_per_page=100)


def admitted_coops() -> list[Coop]:
    return list(
        db.session.scalars(
            select(Coop).where(Coop.status == CoopStatus.ADMITTED).order_by(Coop.name)
        )
    )


def listing_counts_by_coop() -> dict[int, int]:
    rows = db.session.execute(
        select(Listing.coop_id, func.count())
        .where(Listing.status == ListingStatus.ACTIVE)
        .group_by(Listing.coop_id)
    )
    return dict(rows.tuples().all())


def public_coop(slug: str) -> Coop:
    """An admitted co-op by slug."""
    coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if coop is None or not coop.is_admitted:
        raise NotFound(slug)
    return coop


def coop_listings(coop: Coop) -> Select[tuple[Listing]]:
    return public_listings().where(Listing.coop_id == coop.id).order_by(Listing.title)


def root_categories() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category)
            .where(Category.parent_id.is_(None))
            .options(selectinload(Category.children))
            .order_by(Category.position, Category.name)
        )
    )


def category_by_slug(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(slug)
    return category


def descendant_ids(category: Category) -> list[int]:
    """The category's id and those of every category below it."""
    ids, frontier = [category.id], [category.id]
    while frontier:
        frontier = list(
            db.session.scalars(select(Category.id).where(Category.parent_id.in_(frontier)))
        )
        ids.extend(frontier)
    return ids


def category_listings(category: Category, sort: str = "newest") -> Select[tuple[Listing]]:
    query = public_listings().where(Listing.category_id.in_(descendant_ids(category)))
    order = {
        "price_asc": (Listing.price_amount.asc(), Listing.id),
        "price_desc": (Listing.price_amount.desc(), Listing.id),
        "newest": (Listing.published_at.desc(), Listing.id.desc()),
    }.get(sort, (Listing.published_at.desc(), Listing.id.desc()))
    return query.order_by(*order)


def public_counts_by_category() -> dict[int, int]:
    """Active public listings per category, each counted in its own category only."""
    rows = db.session.execute(
        select(Listing.category_id, func.count())
        .join(Listing.coop)
        .where(Listing.status == ListingStatus.ACTIVE, Coop.status == CoopStatus.ADMITTED)
        .group_by(Listing.category_id)
    )
    return dict(rows.tuples().all())


def all_labels() -> list[Label]:
    return list(db.session.scalars(select(Label).order_by(Label.position, Label.name)))


def label_by_slug(slug: str) -> Label:
    label = db.session.scalar(select(Label).where(Label.slug == slug))
    if label is None:
        raise NotFound(slug)
    return label


def category_choices() -> list[tuple[str, str, str]]:
    """Every category as (slug, name, top-level group name), for pickers, in tree order."""
    choices: list[tuple[str, str, str]] = []
    for root in root_categories():
        if not root.children:
            choices.append((root.slug, root.name, root.name))
        choices.extend((child.slug, child.name, root.name) for child in root.children)
    return choices
