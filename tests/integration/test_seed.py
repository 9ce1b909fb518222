"""`flask seed-demo`: a realistic federation, identical on every run."""

from collections import Counter

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    Category,
    Coop,
    CoopStatus,
    Label,
    Listing,
    ListingKind,
    ListingStatus,
    MemberRole,
    Membership,
    User,
)
from marketplace.services import seed


def _snapshot() -> dict:
    """Everything the seed writes, by natural keys (ids may differ between databases)."""
    listings = db.session.scalars(select(Listing).order_by(Listing.coop_id, Listing.sku))
    return {
        "coops": sorted(
            (c.slug, c.name, c.country, c.trade, c.status, c.admitted_at.date())
            for c in db.session.scalars(select(Coop))
        ),
        "categories": sorted(
            (c.slug, c.name, c.parent.slug if c.parent else None)
            for c in db.session.scalars(select(Category))
        ),
        "labels": sorted((label.slug, label.name) for label in db.session.scalars(select(Label))),
        "users": sorted(
            (
                u.email,
                u.is_reviewer,
                u.is_federation_admin,
                tuple(sorted((m.coop.slug, m.role) for m in u.memberships)),
            )
            for u in db.session.scalars(select(User))
        ),
        "listings": sorted(
            (
                item.coop.slug,
                item.sku,
                item.title,
                item.price_amount,
                item.currency,
                item.kind,
                item.status,
                item.stock,
                item.capacity,
                item.category.slug,
                item.published_at.date() if item.published_at else None,
            )
            for item in listings
        ),
    }


def test_the_demo_federation_is_big_and_varied_enough(app):
    report = seed.seed_demo()
    coops = db.session.scalars(select(Coop)).all()
    assert len(coops) >= 8 and all(c.status is CoopStatus.ADMITTED for c in coops)
    assert len({c.trade for c in coops}) == len(coops)
    listings = db.session.scalars(select(Listing)).all()
    assert len(listings) == report.listings >= 300
    kinds = Counter(item.kind for item in listings)
    assert kinds[ListingKind.GOOD] > 50 and kinds[ListingKind.SERVICE] > 50
    per_coop = Counter(item.coop_id for item in listings)
    assert set(per_coop) == {c.id for c in coops}
    assert {item.currency for item in listings} >= {"EUR", "SEK", "GBP"}
    assert any(item.status is ListingStatus.DRAFT for item in listings)
    assert db.session.scalar(select(Category).where(Category.parent_id.is_not(None)))
    assert {label.slug for label in db.session.scalars(select(Label))} >= {
        "fair-trade",
        "organic",
        "worker-owned",
        "local",
        "repair-second-hand",
        "small-handmade",
    }


def test_there_are_demo_users_for_every_role(app):
    seed.seed_demo()
    users = db.session.scalars(select(User)).all()
    assert sum(u.is_federation_admin for u in users) >= 1
    assert sum(u.is_reviewer for u in users) >= 2
    roles = Counter(m.role for m in db.session.scalars(select(Membership)))
    assert roles[MemberRole.ADMIN] >= 8 and roles[MemberRole.MEMBER] >= 3
    buyers = [
        u for u in users if not u.memberships and not u.is_reviewer and not u.is_federation_admin
    ]
    assert len(buyers) >= 2


def test_seeding_twice_changes_nothing(app):
    seed.seed_demo()
    first = _snapshot()
    versions = dict(db.session.execute(select(Listing.id, Listing.version)).tuples().all())
    seed.seed_demo()
    db.session.expire_all()
    assert _snapshot() == first
    assert dict(db.session.execute(select(Listing.id, Listing.version)).tuples().all()) == versions


def test_seeding_an_empty_database_always_gives_the_same_federation(app):
    seed.seed_demo()
    first = _snapshot()
    for model in (Listing, Membership, User, Coop, Label):
        db.session.execute(model.__table__.delete())
    db.session.execute(Category.__table__.update().values(parent_id=None))
    db.session.execute(Category.__table__.delete())
    db.session.commit()
    assert seed.database_is_empty()
    seed.seed_demo()
    db.session.expire_all()
    assert _snapshot() == first


def test_demo_users_can_log_in_with_the_printed_password(app):
    from marketplace.services.accounts import authenticate

    report = seed.seed_demo()
    for person in report.users[:3]:
        assert authenticate(person.email, seed.DEMO_PASSWORD).email == person.email
