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
    ClaimAnswer,
    ClaimReview,
    ClaimStatus,
    Condition,
    Coop,
    CoopStatus,
    CriteriaStatus,
    CriteriaVersion,
    Criterion,
    Label,
    LabelClaim,
    LabelScope,
    Listing,
    ListingKind,
    ListingStatus,
    MemberRole,
    Membership,
    ReviewDecision,
    User,
)
from . import audit, demo_data, demo_orders
from .accounts import hash_password
from .seed_governance import seed_governance

log = logging.getLogger(__name__)

#: Public on purpose: printed by the command and listed in the README.
DEMO_PASSWORD = "demo-password"  # noqa: S105
DEMO_SEED = 42
#: Timestamps are fixed so two runs give the same database.
EPOCH = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
#: when version 1 of every label's criteria was adopted
CRITERIA_ADOPTED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
#: demo approvals run this long, so the badges keep showing on a demo started much later
DEMO_APPROVAL = timedelta(days=3 * 365)


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
    claims: int = 0
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


def _upsert(
    model: type,
    key: dict[str, object],
    values: dict[str, object],
    initial: dict[str, object] | None = None,
) -> object:
    """Find the row by its natural key and set `values`; create it when missing (with `initial`)."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **(initial or {}))
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
        row = _upsert(
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
        _seed_criteria(row, demo_data.CRITERIA[label["slug"]])


def _seed_criteria(label: Label, criteria: list[tuple[str, str, str, bool]]) -> None:
    """Version 1 of the label's criteria, in force since before the demo co-ops joined."""
    db.session.flush()
    version = _upsert(
        CriteriaVersion,
        {"label_id": label.id, "number": 1},
        {
            "status": CriteriaStatus.CURRENT,
            "summary": "The first criteria, adopted when the federation was founded.",
            "created_at": CRITERIA_ADOPTED - timedelta(days=30),
            "adopted_at": CRITERIA_ADOPTED,
        },
    )
    db.session.flush()
    for position, (key, question, guidance, evidence) in enumerate(criteria, start=1):
        _upsert(
            Criterion,
            {"version_id": version.id, "position": position},
            {
                "key": key,
                "question": question,
                "guidance": guidance,
                "evidence_required": evidence,
            },
        )


#: slug -> (flat shipping fee, free from this subtotal, pickup address or None), in the
#: co-op's own currency: so the demo cart shows fees, free delivery and pickup
DEMO_SHIPPING: dict[str, tuple[int, int | None, str | None]] = {
    "netzwerkstatt": (490, 5000, None),
    "bryggkooperativet": (4900, 50000, "Bryggkooperativet, Bergsgatan 12, 214 22 Malmö"),
    "de-draad": (395, 7500, None),
    "backstube-mur": (590, 4000, "Backstube Mur, Annenstraße 18, 8020 Graz"),
    "bristol-bike-coop": (0, None, "Bristol Bike Co-op, 12 Gloucester Road, Bristol BS7 8AE"),
    "elbdruck": (450, None, "Elbdruck eG, Schanzenstraße 80, 20357 Hamburg"),
    "gemuesehof-wendland": (690, 6000, "Gemüsehof Wendland, Dorfstraße 3, 29462 Wustrow"),
    "lingua-commons": (0, None, None),
    "ekhagen-mobler": (39500, None, "Ekhagen Möbler, Verkstadsvägen 4, 352 46 Växjö"),
    "herstelwerk": (695, 10000, None),
}


#: slug -> (basic bank account number, BIC): where each demo co-op's bank payouts go.
#: Lingua Commons has none, so the payouts page shows what happens then.
DEMO_BANK: dict[str, tuple[str, str]] = {
    "netzwerkstatt": ("430609671234567800", "GENODEM1GLS"),
    "bryggkooperativet": ("50000000058398257466", "ESSESESS"),
    "de-draad": ("TRIO0212345678", "TRIONL2U"),
    "backstube-mur": ("3800000000123456", "RZSTAT2G"),
    "bristol-bike-coop": ("NWBK60161331926819", "NWBKGB2L"),
    "elbdruck": ("200505501234567890", "HASPDEHH"),
    "gemuesehof-wendland": ("430609670000123456", "GENODEM1GLS"),
    "ekhagen-mobler": ("80000832790000012345", "SWEDSESS"),
    "herstelwerk": ("ASNB0707123456", "ASNBNL21"),
}


def demo_iban(country: str, bban: str) -> str:
    """A valid IBAN for a basic bank account number: ISO 13616 check digits computed."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


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
                "currency": coop["currency"],
                "shipping_flat_fee": DEMO_SHIPPING[coop["slug"]][0],
                "shipping_free_above": DEMO_SHIPPING[coop["slug"]][1],
                "offers_pickup": DEMO_SHIPPING[coop["slug"]][2] is not None,
                "pickup_address": DEMO_SHIPPING[coop["slug"]][2],
                "bank_account_holder": coop["name"] if coop["slug"] in DEMO_BANK else None,
                "bank_iban": (
                    demo_iban(coop["country"], DEMO_BANK[coop["slug"]][0])
                    if coop["slug"] in DEMO_BANK
                    else None
                ),
                "bank_bic": DEMO_BANK[coop["slug"]][1] if coop["slug"] in DEMO_BANK else None,
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
                "condition": Condition(row["condition"]),
                "region": row["region"],
                "ships_to": row["ships_to"],
                # Most demo texts are in English whatever the co-op's country; some German
                # and Swedish co-ops also list in their own language.
                "language": row["language"],
                "status": status,
                "created_at": created,
                "published_at": None if status is ListingStatus.DRAFT else created,
            },
            # live once the listing exists: orders take stock (and touch updated_at), so
            # seeding again leaves them as they are
            initial={"stock": row["stock"], "capacity": row["capacity"], "updated_at": created},
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
    db.session.flush()
    claims = _seed_claims(coops)
    chair = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    seed_governance(coops, chair, EPOCH)
    db.session.commit()
    demo_orders.seed_orders(EPOCH)
    log.info("seeded the demo federation (%d listings)", count)
    return SeedReport(
        coops=len(coops),
        listings=count,
        categories=len(categories),
        labels=len(demo_data.LABELS),
        claims=claims,
        users=users,
    )


def database_is_empty() -> bool:
    """No co-op yet: `make run` seeds only then."""
    return not db.session.scalar(select(func.count()).select_from(Coop))


#: status -> days before EPOCH of (created, submitted, decided); None: not yet
_CLAIM_TIMES: dict[str, tuple[int, int | None, int | None]] = {
    "draft": (10, None, None),
    "submitted": (20, 12, None),
    "changes_requested": (45, 35, 28),
    "approved": (130, 120, 100),
    "rejected": (90, 80, 70),
    "expired": (520, 510, 500),
    "revoked": (240, 230, 220),
}
_REVIEW_OF = {
    "changes_requested": ReviewDecision.REQUEST_CHANGES,
    "rejected": ReviewDecision.REJECT,
    "approved": ReviewDecision.APPROVE,
    "expired": ReviewDecision.APPROVE,
    "revoked": ReviewDecision.APPROVE,
}
_REVIEWERS = {"lena": "reviewer@example.org", "omar": "omar@example.org"}


def _claim_targets(coop: Coop, match: str | None, count: int) -> list[Listing | None]:
    """The listings a demo claim is for (the first active ones by SKU), or [None] for the co-op."""
    if match is None:
        return [None]
    found = db.session.scalars(
        select(Listing)
        .where(
            Listing.coop_id == coop.id,
            Listing.status == ListingStatus.ACTIVE,
            Listing.title.contains(match, autoescape=True),
        )
        .order_by(Listing.sku)
        .limit(count)
    )
    return list(found)


def _claim_values(spec: dict, version: CriteriaVersion, hour: int) -> dict[str, object]:
    status = ClaimStatus(spec["status"])
    created, submitted, decided = (
        None if days is None else EPOCH - timedelta(days=days, hours=hour)
        for days in _CLAIM_TIMES[spec["status"]]
    )
    approved = decided if status in (ClaimStatus.APPROVED, ClaimStatus.REVOKED) else None
    expires = approved + DEMO_APPROVAL if approved else None
    if status is ClaimStatus.EXPIRED:
        approved = decided
        expires = approved + timedelta(days=365) if approved else None
    if status is ClaimStatus.REVOKED:
        decided = EPOCH - timedelta(days=15, hours=hour)
    rereview = (spec["label"], spec["coop"]) == demo_data.REREVIEW
    return {
        "criteria_version_id": version.id,
        "status": status,
        "created_at": created,
        "submitted_at": submitted,
        "decided_at": decided,
        "approved_at": approved,
        "expires_at": expires,
        "rereview_due_at": EPOCH + timedelta(days=400) if rereview else None,
        "decision_reason": spec["reason"] or None,
    }


def _seed_answers(claim: LabelClaim, version: CriteriaVersion, coop: Coop) -> None:
    item = claim.listing.title if claim.listing else coop.name
    for position, criterion in enumerate(version.criteria):
        answered = claim.status is not ClaimStatus.DRAFT or position < len(version.criteria) // 2
        text = demo_data.ANSWERS[(claim.label.slug, criterion.key)]
        link = f"{coop.website}/evidence/{claim.label.slug}/{criterion.key}"
        _upsert(
            ClaimAnswer,
            {"claim_id": claim.id, "criterion_id": criterion.id},
            {
                "answer": text.format(coop=coop.name, item=item, region=coop.region)
                if answered
                else "",
                "evidence_url": link if answered and criterion.evidence_required else None,
            },
        )


def _record_history(claim: LabelClaim, spec: dict, by: User, reviewer: User | None) -> None:
    """The reviews and audit entries of a demo claim; written once, when the claim is new."""

    def entry(action: str, at: datetime, actor: User | None, after: str, reason: str = "") -> None:
        audit.record(
            action,
            "claim",
            claim.id,
            actor=actor,
            coop_id=claim.coop_id,
            after={"status": after},
            reason=reason,
        ).at = at

    if claim.submitted_at is not None:
        entry("claim.submitted", claim.submitted_at, by, "submitted")
    decision = _REVIEW_OF.get(spec["status"])
    if decision is None or reviewer is None:
        return
    reviewed_at = claim.approved_at or claim.decided_at
    assert reviewed_at is not None
    revoked = claim.status is ClaimStatus.REVOKED
    reason = "Answers and evidence checked against the criteria." if revoked else spec["reason"]
    db.session.add(
        ClaimReview(
            claim=claim,
            reviewer=reviewer,
            decision=decision,
            reason=reason,
            criteria_version_id=claim.criteria_version_id,
            created_at=reviewed_at,
        )
    )
    status = "approved" if decision is ReviewDecision.APPROVE else spec["status"]
    entry(f"claim.{status}", reviewed_at, reviewer, status, reason)
    if claim.status is ClaimStatus.EXPIRED and claim.expires_at is not None:
        entry("claim.expired", claim.expires_at, None, "expired")
    if revoked and claim.decided_at is not None:
        entry("claim.revoked", claim.decided_at, reviewer, "revoked", spec["reason"])


def _seed_claims(coops: dict[str, Coop]) -> int:
    """Label claims in every state, reviewed by the demo reviewers (never for their own co-op)."""
    labels = {label.slug: label for label in db.session.scalars(select(Label))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    count = 0
    for index, spec in enumerate(demo_data.CLAIMS):
        coop, label = coops[spec["coop"]], labels[spec["label"]]
        version = label.current_version
        assert version is not None
        reviewer = users[_REVIEWERS[spec["reviewer"]]] if spec["reviewer"] else None
        author = users[f"admin.{coop.slug}@example.org"]
        for offset, listing in enumerate(_claim_targets(coop, spec["match"], spec["count"])):
            key = {
                "label_id": label.id,
                "coop_id": coop.id,
                "listing_id": listing.id if listing else None,
            }
            is_new = db.session.scalar(select(LabelClaim.id).filter_by(**key)) is None
            values = _claim_values(spec, version, hour=index + offset)
            claim = _upsert(LabelClaim, key, {**values, "created_by_id": author.id})
            db.session.flush()
            _seed_answers(claim, version, coop)
            if is_new:
                _record_history(claim, spec, author, reviewer)
            count += 1
    return count
