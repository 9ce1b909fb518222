"""`flask seed-demo`: a realistic demo federation, the same on every run."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Category,
    Condition,
    Coop,
    CoopStatus,
    Label,
    LabelScope,
    Listing,
    ListingKind,
    ListingStatus,
    MemberRole,
    Membership,
    User,
)
from . import demo_data
from .accounts import hash_password

log = logging.getLogger(__name__)

#: Public on purpose: printed by the command and listed in the README.
DEMO_PASSWORD = "demo-password"  # noqa: S105
DEMO_SEED = 42
#: Timestamps are fixed so two runs give the same database.
EPOCH = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    reviewer: bool = False
    federation_admin: bool = False
    #: (co-op slug, member role)
    coops: tuple[tuple[str, MemberRole], ...] = ()


@dataclass
class SeedReport:
    coops: int = 0
    listings: int = 0
    categories: int = 0
    labels: int = 0
    users: list[DemoUser] = field(default_factory=list)


def demo_users() -> list[DemoUser]:
    """A few people for every role; each co-op gets an admin, some a member too."""
    people = [
        DemoUser(
            "admin@example.org", "Fatima Federation", "federation admin", federation_admin=True
        ),
        DemoUser("reviewer@example.org", "Lena Reviewer", "reviewer", reviewer=True),
        DemoUser(
            "omar@example.org",
            "Omar Reviewer",
            "reviewer",
            reviewer=True,
            coops=((demo_data.COOPS[1]["slug"], MemberRole.MEMBER),),
        ),
        DemoUser("buyer@example.org", "Alex Buyer", "buyer"),
        DemoUser("maria@example.org", "Maria Buyer", "buyer"),
    ]
    for index, coop in enumerate(demo_data.COOPS):
        people.append(
            DemoUser(
                f"admin.{coop['slug']}@example.org",
                f"{coop['name']} Admin",
                "co-op admin",
                coops=((coop["slug"], MemberRole.ADMIN),),
            )
        )
        if index < 3:
            people.append(
                DemoUser(
                    f"member.{coop['slug']}@example.org",
                    f"{coop['name']} Member",
                    "co-op member",
                    coops=((coop["slug"], MemberRole.MEMBER),),
                )
            )
    return people


def _upsert(model: type, key: dict[str, object], values: dict[str, object]) -> object:
    """Find the row by its natural key and set `values`; create it when missing."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key)
        db.session.add(row)
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    return row


def _seed_categories() -> dict[str, Category]:
    by_slug: dict[str, Category] = {}
    for position, (slug, name, parent) in enumerate(demo_data.CATEGORIES):
        by_slug[slug] = _upsert(
            Category,
            {"slug": slug},
            {
                "name": name,
                "position": position,
                "parent": by_slug[parent] if parent else None,
            },
        )
    return by_slug


def _seed_labels() -> None:
    for position, label in enumerate(demo_data.LABELS):
        _upsert(
            Label,
            {"slug": label["slug"]},
            {
                "name": label["name"],
                "summary": label["summary"],
                "description": label["description"],
                "scope": LabelScope(label["scope"]),
                "position": position,
            },
        )


def _seed_coops(rng: random.Random) -> dict[str, Coop]:
    by_slug: dict[str, Coop] = {}
    for index, coop in enumerate(demo_data.COOPS):
        since = EPOCH - timedelta(days=400 - index * 20)
        by_slug[coop["slug"]] = _upsert(
            Coop,
            {"slug": coop["slug"]},
            {
                "name": coop["name"],
                "country": coop["country"],
                "region": coop["region"],
                "trade": coop["trade"],
                "description": coop["description"],
                "website": coop["website"],
                "status": CoopStatus.ADMITTED,
                "created_at": since - timedelta(days=rng.randint(3, 30)),
                "admitted_at": since,
            },
        )
    return by_slug


def _seed_users(coops: dict[str, Coop]) -> list[DemoUser]:
    people = demo_users()
    for person in people:
        user = db.session.scalar(select(User).where(User.email == person.email))
        if user is None:
            user = User(email=person.email, password_hash=hash_password(DEMO_PASSWORD))
            db.session.add(user)
        user.name = person.name
        user.is_reviewer = person.reviewer
        user.is_federation_admin = person.federation_admin
        db.session.flush()
        for slug, role in person.coops:
            _upsert(Membership, {"user_id": user.id, "coop_id": coops[slug].id}, {"role": role})
    return people


def _seed_listings(
    rng: random.Random, coops: dict[str, Coop], categories: dict[str, Category]
) -> int:
    rows = demo_data.demo_listings(rng)
    for index, row in enumerate(rows):
        coop = coops[row["coop"]]
        created = EPOCH - timedelta(days=rng.randint(1, 300), minutes=index)
        status = ListingStatus(row["status"])
        _upsert(
            Listing,
            {"coop_id": coop.id, "sku": row["sku"]},
            {
                "kind": ListingKind(row["kind"]),
                "title": row["title"],
                "description": row["description"],
                "category": categories[row["category"]],
                "price_amount": row["price_amount"],
                "currency": row["currency"],
                "vat_rate_bp": row["vat_rate_bp"],
                "stock": row["stock"],
                "capacity": row["capacity"],
                "condition": Condition(row["condition"]),
                "region": row["region"],
                "ships_to": row["ships_to"],
                # The demo texts are all written in English, whatever the co-op's country.
                "language": "en",
                "status": status,
                "created_at": created,
                "updated_at": created,
                "published_at": None if status is ListingStatus.DRAFT else created,
            },
        )
    return len(rows)


def seed_demo(seed: int = DEMO_SEED) -> SeedReport:
    """Create or update the demo federation; running it again changes nothing."""
    rng = random.Random(seed)
    categories = _seed_categories()
    _seed_labels()
    coops = _seed_coops(rng)
    db.session.flush()
    users = _seed_users(coops)
    count = _seed_listings(rng, coops, categories)
    db.session.commit()
    log.info("seeded the demo federation (%d listings)", count)
    return SeedReport(
        coops=len(coops),
        listings=count,
        categories=len(categories),
        labels=len(demo_data.LABELS),
        users=users,
    )


def database_is_empty() -> bool:
    """No co-op yet: `make run` seeds only then."""
    return not db.session.scalar(select(func.count()).select_from(Coop))
