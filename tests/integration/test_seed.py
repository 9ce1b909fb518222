"""`flask seed-demo`: a realistic federation, identical on every run."""

import shutil
from collections import Counter

from sqlalchemy import select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Category,
    ClaimReview,
    ClaimStatus,
    Coop,
    CoopStatus,
    CriteriaStatus,
    Label,
    LabelClaim,
    Listing,
    ListingKind,
    ListingStatus,
    MemberRole,
    Membership,
    ReviewDecision,
    User,
)
from marketplace.services import labels as verified_labels
from marketplace.services import seed
from tests.conftest import test_settings as settings_for


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
        "criteria": sorted(
            (
                label.slug,
                version.number,
                str(version.status),
                version.adopted_at,
                tuple((c.key, c.question, c.evidence_required) for c in version.criteria),
            )
            for label in db.session.scalars(select(Label))
            for version in label.criteria_versions
        ),
        "claims": sorted(
            (
                claim.label.slug,
                claim.coop.slug,
                claim.listing.sku if claim.listing else None,
                str(claim.status),
                claim.submitted_at,
                claim.decided_at,
                claim.approved_at,
                claim.expires_at,
                claim.rereview_due_at,
                claim.decision_reason,
                tuple((a.criterion.key, a.answer, a.evidence_url) for a in claim.answers),
                tuple(
                    (r.reviewer.email, str(r.decision), r.reason, r.created_at)
                    for r in claim.reviews
                ),
            )
            for claim in db.session.scalars(select(LabelClaim))
        ),
        "audit": sorted(
            (entry.action, entry.subject_type, min(entry.at, seed.EPOCH), entry.reason or "")
            for entry in db.session.scalars(select(AuditEntry))
        ),
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


def test_the_demo_federation_is_big_and_varied_enough(demo):
    report = demo
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


def test_there_are_demo_users_for_every_role(demo):
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


def test_seeding_an_empty_database_always_gives_the_same_federation(app, sqlite_template, tmp_path):
    seed.seed_demo()
    first = _snapshot()
    # A second, fresh database: the audit log and claims cannot be deleted to start over.
    path = tmp_path / "second.db"
    shutil.copyfile(sqlite_template, path)
    other = create_app(settings_for(f"sqlite:///{path}", tmp_path / "second-instance"))
    with other.app_context():
        assert seed.database_is_empty()
        seed.seed_demo()
        second = _snapshot()
        db.session.remove()
        db.engine.dispose()
    assert second == first


def test_every_label_has_current_criteria_with_questions_guidance_and_evidence(demo):
    for label in db.session.scalars(select(Label)):
        current = label.current_version
        assert current is not None and current.number == 1, label.slug
        assert current.status is CriteriaStatus.CURRENT and current.adopted_at is not None
        assert len(current.criteria) >= 4, label.slug
        assert all(c.question and c.guidance for c in current.criteria)
        assert any(c.evidence_required for c in current.criteria), label.slug
    fair_trade = db.session.scalar(select(Label).where(Label.slug == "fair-trade"))
    keys = {c.key for c in fair_trade.current_version.criteria}
    assert {"marginalised-producers", "labour-conditions", "environment", "awareness"} <= keys


def test_the_demo_has_claims_in_every_state_across_several_coops(demo):
    report = demo
    claims = db.session.scalars(select(LabelClaim)).all()
    assert report.claims == len(claims)
    assert {claim.status for claim in claims} == set(ClaimStatus)
    assert len({claim.coop_id for claim in claims}) >= 8
    decided = [c for c in claims if c.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED)]
    assert all(c.reviews and c.decision_reason for c in decided)
    assert all(c.answers for c in claims)
    assert any(c.rereview_due_at for c in claims if c.status is ClaimStatus.APPROVED)


def test_no_demo_reviewer_decides_a_claim_of_their_own_coop(demo):
    reviews = db.session.scalars(select(ClaimReview)).all()
    assert {review.reviewer.email for review in reviews} == {
        "reviewer@example.org",
        "omar@example.org",
    }
    for review in reviews:
        own = {m.coop_id for m in review.reviewer.memberships}
        assert review.claim.coop_id not in own
    approvals = [r for r in reviews if r.decision is ReviewDecision.APPROVE]
    assert approvals and all(
        r.criteria_version_id == r.claim.criteria_version_id for r in approvals
    )


def test_the_demo_shop_shows_verified_labels_on_many_listings_and_coops(demo):
    listings = db.session.scalars(select(Listing).where(Listing.status == ListingStatus.ACTIVE))
    found = verified_labels.for_listings(listings)
    with_own = {
        item_id
        for item_id, labels in found.items()
        if any(lb.granted_to == "listing" for lb in labels)
    }
    assert len(with_own) >= 20
    coops_with_label = [
        c for c in db.session.scalars(select(Coop)) if verified_labels.for_coop(c.id)
    ]
    assert len(coops_with_label) >= 8
    owners = {db.session.get(Listing, item_id).coop_id for item_id in with_own}
    assert len(owners) >= 5


def test_demo_users_can_log_in_with_the_printed_password(demo):
    from marketplace.services.accounts import authenticate

    report = demo
    for person in report.users[:3]:
        assert authenticate(person.email, seed.DEMO_PASSWORD).email == person.email


def test_the_demo_has_an_adopted_fee_policy_and_an_open_criteria_vote(app):
    from marketplace.models import FeePolicy, Proposal, ProposalStatus, Vote
    from marketplace.services.governance import current_fee_policy

    seed.seed_demo()
    seed.seed_demo()
    proposals = {p.kind: p for p in db.session.scalars(select(Proposal))}
    assert len(proposals) == 2
    assert proposals["fee_policy"].status is ProposalStatus.PASSED
    assert proposals["criteria"].status is ProposalStatus.OPEN
    assert current_fee_policy().basis_points == 600
    assert db.session.query(FeePolicy).count() == 1
    assert db.session.query(Vote).count() == 14
