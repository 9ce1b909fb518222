"""Co-op lookups for the people who run them."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Coop, CoopStatus, Listing, User


class CoopNotFound(LookupError):
    pass


def coop_by_slug(slug: str) -> Coop:
    coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if coop is None:
        raise CoopNotFound(slug)
    return coop


def coops_of(user: User) -> list[Coop]:
    """The co-ops the user belongs to, by name."""
    return sorted((m.coop for m in user.memberships), key=lambda coop: coop.name)


def coop_listings_all(coop: Coop) -> list[Listing]:
    """Every listing of the co-op, drafts and archived ones included."""
    return list(
        db.session.scalars(
            select(Listing).where(Listing.coop_id == coop.id).order_by(Listing.updated_at.desc())
        )
    )


def federation_overview() -> dict[str, object]:
    """Counts for the federation admin's front page."""
    by_status = dict(
        db.session.execute(select(Coop.status, func.count()).group_by(Coop.status)).tuples().all()
    )
    return {
        "coops": list(db.session.scalars(select(Coop).order_by(Coop.status, Coop.name))),
        "by_status": {status: by_status.get(status, 0) for status in CoopStatus},
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "listings": db.session.scalar(select(func.count()).select_from(Listing)),
    }
