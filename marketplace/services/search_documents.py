"""What the search index should hold, read from the database.

Only active listings of admitted co-ops are searchable; each becomes one
`ListingDocument` with its co-op, category path and verified labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from search.backend import LANGUAGES, ListingDocument

from ..extensions import db
from ..models import Category, Coop, CoopStatus, Listing, ListingStatus
from . import labels


def searchable() -> Select[tuple[Listing]]:
    """Listings buyers may find: active, of an admitted co-op."""
    return (
        select(Listing)
        .join(Coop, Coop.id == Listing.coop_id)
        .where(Listing.status == ListingStatus.ACTIVE, Coop.status == CoopStatus.ADMITTED)
    )


def _category_paths() -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Category id -> (slugs, names) from the root down, for every category."""
    rows = db.session.execute(select(Category.id, Category.slug, Category.name, Category.parent_id))
    by_id = {row.id: row for row in rows}
    paths: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for category_id in by_id:
        chain = []
        node = by_id.get(category_id)
        while node is not None and len(chain) < 50:
            chain.append(node)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        chain.reverse()
        paths[category_id] = (tuple(c.slug for c in chain), tuple(c.name for c in chain))
    return paths


def _documents(
    listings: list[Listing], paths: dict[int, tuple[tuple[str, ...], tuple[str, ...]]]
) -> list[ListingDocument]:
    verified = labels.for_listings(listings)
    documents = []
    for listing in listings:
        slugs, names = paths.get(listing.category_id, ((), ()))
        found = verified.get(listing.id, [])
        documents.append(
            ListingDocument(
                id=listing.id,
                title=listing.title,
                description=listing.description or "",
                language=listing.language if listing.language in LANGUAGES else "en",
                coop_slug=listing.coop.slug,
                coop_name=listing.coop.name,
                category_path=slugs,
                category_names=names,
                labels=tuple(label.slug for label in found),
                label_names=tuple(label.name for label in found),
                kind=str(listing.kind),
                condition=str(listing.condition),
                region=listing.region or "",
                price_amount=listing.price_amount,
                currency=listing.currency,
                created_at=listing.published_at or listing.created_at,
            )
        )
    return documents


def documents_for(ids: Iterable[int]) -> dict[int, ListingDocument | None]:
    """The document of each listing id, or None where it must not be found."""
    wanted = sorted(set(ids))
    result: dict[int, ListingDocument | None] = dict.fromkeys(wanted)
    if not wanted:
        return result
    paths = _category_paths()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        listings = list(
            db.session.scalars(
                searchable().where(Listing.id.in_(chunk)).options(joinedload(Listing.coop))
            )
        )
        for document in _documents(listings, paths):
            result[document.id] = document
    return result


def all_documents(batch_size: int = 1000) -> Iterator[ListingDocument]:
    """Every searchable listing's document, in id order, read in batches."""
    paths = _category_paths()
    last_id = 0
    while True:
        listings = list(
            db.session.scalars(
                searchable()
                .where(Listing.id > last_id)
                .order_by(Listing.id)
                .limit(batch_size)
                .options(joinedload(Listing.coop))
            )
        )
        if not listings:
            return
        yield from _documents(listings, paths)
        last_id = listings[-1].id
        db.session.expunge_all()


def expected_fingerprints() -> dict[int, str]:
    """Listing id -> fingerprint of what the index should hold for it."""
    return {document.id: document.fingerprint() for document in all_documents()}
