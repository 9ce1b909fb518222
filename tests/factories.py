"""Plain factories with sensible defaults: make_coop(name=...), make_listing(coop=...)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

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
from marketplace.services.accounts import hash_password

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(password: str = PASSWORD, **kw: Any) -> User:
    n = next(_counter)
    kw.setdefault("email", f"person{n}@example.org")
    kw.setdefault("name", f"Person {n}")
    user = User(password_hash=hash_password(password), **kw)
    db.session.add(user)
    db.session.commit()
    return user


def make_coop(**kw: Any) -> Coop:
    n = next(_counter)
    kw.setdefault("name", f"Co-op {n}")
    kw.setdefault("slug", f"coop-{n}")
    kw.setdefault("country", "DE")
    kw.setdefault("region", "Berlin")
    kw.setdefault("trade", "bakery")
    kw.setdefault("description", "A worker-owned bakery.")
    kw.setdefault("status", CoopStatus.ADMITTED)
    if kw["status"] is CoopStatus.ADMITTED:
        kw.setdefault("admitted_at", datetime(2026, 1, 1, tzinfo=UTC))
    coop = Coop(**kw)
    db.session.add(coop)
    db.session.commit()
    return coop


def make_member(user: User, coop: Coop, role: MemberRole = MemberRole.MEMBER) -> Membership:
    membership = Membership(user=user, coop=coop, role=role)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_category(**kw: Any) -> Category:
    n = next(_counter)
    kw.setdefault("name", f"Category {n}")
    kw.setdefault("slug", f"category-{n}")
    category = Category(**kw)
    db.session.add(category)
    db.session.commit()
    return category


def make_label(**kw: Any) -> Label:
    n = next(_counter)
    kw.setdefault("name", f"Label {n}")
    kw.setdefault("slug", f"label-{n}")
    kw.setdefault("summary", "What this label promises.")
    label = Label(**kw)
    db.session.add(label)
    db.session.commit()
    return label


def make_listing(**kw: Any) -> Listing:
    n = next(_counter)
    if "coop" not in kw:
        kw["coop"] = make_coop()
    if "category" not in kw:
        kw["category"] = make_category()
    kw.setdefault("title", f"Sourdough loaf {n}")
    kw.setdefault("description", "Baked this morning.")
    kw.setdefault("kind", ListingKind.GOOD)
    kw.setdefault("price_amount", 450)
    kw.setdefault("currency", "EUR")
    kw.setdefault("vat_rate_bp", 700)
    if kw["kind"] is ListingKind.GOOD:
        kw.setdefault("stock", 10)
    kw.setdefault("status", ListingStatus.ACTIVE)
    if kw["status"] is not ListingStatus.DRAFT:
        kw.setdefault("published_at", datetime(2026, 2, 1, tzinfo=UTC))
    listing = Listing(**kw)
    db.session.add(listing)
    db.session.commit()
    return listing
