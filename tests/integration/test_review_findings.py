"""Findings of the correctness review, each kept fixed by a test."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    ClaimStatus,
    Coop,
    CoopStatus,
    ImportStatus,
    LabelScope,
    Listing,
    ListingImport,
    MemberRole,
    ProposalStatus,
)
from marketplace.services import claim_reviews, claims, csv_io, governance, listings
from marketplace.services.proposal_closing import close_due
from tests import governance_factories as gf
from tests.claim_factories import full_answers, make_coop_admin, make_reviewer
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.integration.test_csv_import import csv_file, good, shop, upload  # noqa: F401

NEW_CRITERIA = [
    {
        "key": "wages",
        "question": "Do all workers earn a living wage?",
        "guidance": "",
        "evidence_required": True,
    },
    {
        "key": "audit",
        "question": "Were you audited this year?",
        "guidance": "",
        "evidence_required": True,
    },
]


def _adopt(label, now):
    """Put new criteria to a vote that every admitted co-op passes, and close it."""
    proposal = governance.propose_criteria(label, NEW_CRITERIA, "v2", gf.make_proposer(), now=now)
    for coop in db.session.scalars(select(Coop).where(Coop.status == CoopStatus.ADMITTED)):
        admin = make_user()
        make_member(admin, coop, MemberRole.ADMIN)
        governance.cast_vote(proposal, coop, "yes", admin, now=now)
    (closed,) = close_due(now=proposal.closes_at + timedelta(seconds=1))
    assert closed.status is ProposalStatus.PASSED


def test_renewing_against_new_unanswered_criteria_goes_back_to_the_coop(app):
    label = gf.make_label_with_criteria(scope=LabelScope.BOTH)
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    claims.save_answers(claim, full_answers(label), admin, submit=True)
    claim_reviews.review(claim, make_reviewer(), "approve", "All answered.")
    _adopt(label, gf.NOW)
    db.session.refresh(claim)
    claims.renew(claim, admin, now=gf.NOW + timedelta(days=20))
    assert claim.criteria_version.number == 2
    assert claim.status is ClaimStatus.CHANGES_REQUESTED
    assert [item.field for item in claims.missing_items(claim)]


def test_a_claim_approved_on_replaced_criteria_is_due_for_review_again(app):
    label = gf.make_label_with_criteria(scope=LabelScope.BOTH)
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    version = claim.criteria_version
    answers = {
        c.id: {"answer": "yes", "evidence_url": "https://e.example/x"} for c in version.criteria
    }
    claims.save_answers(claim, answers, admin)
    _adopt(label, gf.NOW)
    db.session.refresh(claim)
    claims.submit(claim, admin)
    claim_reviews.review(claim, make_reviewer(), "approve", "Checked.")
    assert claim.criteria_version.number == 1
    assert claim.rereview_due_at is not None and claim.rereview_due_at < claim.expires_at


def test_coops_admitted_after_the_close_do_not_count_when_it_is_applied_late(app):
    proposer = gf.make_proposer()
    voters = [gf.make_voter() for _ in range(3)]
    proposal = governance.propose_fee_policy(100, None, None, None, "fee", proposer, now=gf.NOW)
    for coop, admin in voters[:2]:
        governance.cast_vote(proposal, coop, "yes", admin, now=gf.NOW)
    for _ in range(3):  # admitted after the vote ended, before anyone closed it
        make_coop(admitted_at=proposal.closes_at + timedelta(days=1))
    (closed,) = close_due(now=proposal.closes_at + timedelta(days=2))
    outcome = json.loads(closed.outcome_json)
    assert outcome["eligible"] == 3 and closed.status is ProposalStatus.PASSED


def test_an_import_row_checked_as_an_update_never_becomes_a_create(shop):  # noqa: F811
    coop = shop["coop"]
    existing = make_listing(coop=coop, category=shop["bread"], sku="RYE", title="Rye loaf")
    job = upload(shop, csv_file([good("RYE", title="Rye loaf, new title")]))
    listings.update_listing(existing, {"sku": "RYE-750"}, existing.version)
    csv_io.confirm_import(job, shop["user"])
    db.session.expire_all()
    job = db.session.get(ListingImport, job.id)
    count = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.coop_id == coop.id)
    )
    assert job.status is not ImportStatus.DONE and count == 1


def test_an_approver_who_later_joins_the_claiming_coop_no_longer_counts(app):
    from tests.claim_factories import make_label_with_criteria

    app.config["CLAIM_APPROVALS_REQUIRED"] = 2
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    claims.save_answers(claim, full_answers(label), admin, submit=True)
    first, second, third = make_reviewer(), make_reviewer(), make_reviewer()
    claim_reviews.review(claim, first, "approve", "Fine.")
    make_member(first, coop, MemberRole.MEMBER)
    claim_reviews.review(claim, second, "approve", "Fine too.")
    assert claim.status is ClaimStatus.SUBMITTED
    claim_reviews.review(claim, third, "approve", "Agreed.")
    assert claim.status is ClaimStatus.APPROVED


def test_renewal_deletes_the_evidence_files_of_dropped_answers(app):
    from pathlib import Path

    from tests.claim_factories import PDF, T0, Upload, make_label_with_criteria

    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    wages = next(c for c in label.current_version.criteria if c.key == "wages")
    claims.save_answers(
        claim,
        full_answers(label),
        admin,
        {wages.id: Upload(PDF, "payroll.pdf", "application/pdf")},
        submit=True,
    )
    stored = (
        Path(app.instance_path)
        / "evidence"
        / next(a.evidence_file for a in claim.answers if a.criterion_id == wages.id)
    )
    assert stored.is_file()
    claim_reviews.review(claim, make_reviewer(), "approve", "Fine.", now=T0)
    make_label_with_criteria(
        label=label, number=2, criteria=[("sourcing", "Where do materials come from?", True)]
    )
    claims.renew(claim, admin, now=T0 + timedelta(days=300))
    assert [a.criterion.key for a in claim.answers] == ["sourcing"]
    assert not stored.exists()
