"""Label claims through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEntry, ClaimStatus, LabelScope, MemberRole
from marketplace.services import claim_reviews, claims, evidence
from tests.claim_factories import (
    PDF,
    T0,
    Upload,
    full_answers,
    make_coop_admin,
    make_label_with_criteria,
    make_reviewer,
    png_bytes,
)
from tests.factories import make_coop, make_listing, make_member, make_user


def _actions(claim) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "claim", AuditEntry.subject_id == claim.id)
            .order_by(AuditEntry.id)
        )
    )


def _submitted(label=None, coop=None, admin=None, listing=None):
    label = label or make_label_with_criteria()
    if admin is None:
        coop, admin = make_coop_admin(coop)
    claim = claims.start_claim(coop, label, listing, admin)
    claims.save_answers(claim, full_answers(label), admin)
    claims.submit(claim, admin, now=T0)
    return claim, admin


def test_a_claim_goes_from_draft_to_approved_with_audit_entries(app):
    app.config["CLAIM_APPROVAL_DAYS"] = 365
    claim, admin = _submitted()
    reviewer = make_reviewer()
    claim_reviews.review(claim, reviewer, "approve", "Wage slips convinced us.", now=T0)
    assert claim.status is ClaimStatus.APPROVED
    assert claim.approved_at == T0
    assert claim.expires_at == T0 + timedelta(days=365)
    assert claim.rereview_due_at is None
    assert claim.decision_reason == "Wage slips convinced us."
    assert [r.reviewer_id for r in claim.reviews] == [reviewer.id]
    assert _actions(claim) == ["claim.started", "claim.submitted", "claim.approved"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "claim.approved")
    ).one()
    assert entry.actor_id == reviewer.id and entry.coop_id == claim.coop_id
    assert entry.reason == "Wage slips convinced us."


def test_two_approvals_need_two_different_reviewers(app):
    app.config["CLAIM_APPROVALS_REQUIRED"] = 2
    claim, _ = _submitted()
    first, second = make_reviewer(), make_reviewer()
    claim_reviews.review(claim, first, "approve", "Looks right.", now=T0)
    assert claim.status is ClaimStatus.SUBMITTED
    with pytest.raises(claim_reviews.AlreadyApproved):
        claim_reviews.review(claim, first, "approve", "Still looks right.", now=T0)
    assert claim.status is ClaimStatus.SUBMITTED
    assert len(claim.reviews) == 1
    claim_reviews.review(claim, second, "approve", "Agreed.", now=T0 + timedelta(hours=1))
    assert claim.status is ClaimStatus.APPROVED
    assert _actions(claim)[-2:] == ["claim.approval_recorded", "claim.approved"]


def test_approvals_from_an_earlier_round_do_not_count(app):
    app.config["CLAIM_APPROVALS_REQUIRED"] = 2
    claim, admin = _submitted()
    first, second = make_reviewer(), make_reviewer()
    claim_reviews.review(claim, first, "approve", "Fine by me.", now=T0)
    claim_reviews.review(claim, second, "request_changes", "Add the invoice.", now=T0)
    assert claim.status is ClaimStatus.CHANGES_REQUESTED
    assert claim.decision_reason == "Add the invoice."
    claims.submit(claim, admin, now=T0 + timedelta(days=1))
    claim_reviews.review(claim, second, "approve", "Invoice is there.", now=T0 + timedelta(days=2))
    assert claim.status is ClaimStatus.SUBMITTED
    assert claim_reviews.approvers_this_round(claim) == {second.id}


def test_a_reviewer_of_the_claiming_coop_is_refused(app):
    claim, _ = _submitted()
    reviewer = make_reviewer()
    make_member(reviewer, claim.coop)
    with pytest.raises(claim_reviews.OwnCoopClaim):
        claim_reviews.review(claim, reviewer, "approve", "Our own, of course.", now=T0)
    assert claim.status is ClaimStatus.SUBMITTED
    assert claim.reviews == []


def test_a_reviewer_who_joins_the_coop_mid_review_is_refused(app):
    app.config["CLAIM_APPROVALS_REQUIRED"] = 2
    claim, _ = _submitted()
    reviewer, other = make_reviewer(), make_reviewer()
    claim_reviews.review(claim, reviewer, "approve", "Good.", now=T0)
    make_member(reviewer, claim.coop)  # joins after the claim was submitted
    with pytest.raises(claim_reviews.OwnCoopClaim):
        claim_reviews.review(claim, reviewer, "reject", "Changed my mind.", now=T0)
    assert claim_reviews.may_decide(claim, reviewer) is False
    assert claim_reviews.may_decide(claim, other) is True


@pytest.mark.parametrize("reason", ["", "   ", "x" * 5001])
def test_a_decision_needs_a_reason(app, reason):
    claim, _ = _submitted()
    with pytest.raises(claim_reviews.ReasonRequired):
        claim_reviews.review(claim, make_reviewer(), "reject", reason, now=T0)
    assert claim.status is ClaimStatus.SUBMITTED
    assert "claim.rejected" not in _actions(claim)


def test_someone_without_the_review_permission_cannot_decide(app):
    claim, admin = _submitted()
    with pytest.raises(claims.ClaimNotAllowed):
        claim_reviews.review(claim, make_user(), "approve", "Sure.", now=T0)
    with pytest.raises(claims.ClaimNotAllowed):
        claim_reviews.review(claim, admin, "approve", "Sure.", now=T0)


def test_rejection_is_final_and_audited(app):
    claim, admin = _submitted()
    claim_reviews.review(claim, make_reviewer(), "reject", "No evidence of fair wages.", now=T0)
    assert claim.status is ClaimStatus.REJECTED
    assert _actions(claim)[-1] == "claim.rejected"
    with pytest.raises(claims.ClaimStateRefused):
        claims.submit(claim, admin)
    with pytest.raises(claims.ClaimStateRefused):
        claim_reviews.review(claim, make_reviewer(), "approve", "Hm.", now=T0)


def test_starting_a_claim_checks_scope_listing_and_duplicates(app):
    coop, admin = make_coop_admin()
    listing = make_listing(coop=coop)
    elsewhere = make_listing()
    for_listings = make_label_with_criteria(LabelScope.LISTING)
    for_coops = make_label_with_criteria(LabelScope.COOP)
    with pytest.raises(claims.ClaimRefused):
        claims.start_claim(coop, for_listings, None, admin)
    with pytest.raises(claims.ClaimRefused):
        claims.start_claim(coop, for_coops, listing, admin)
    with pytest.raises(claims.ClaimRefused):
        claims.start_claim(coop, for_listings, elsewhere, admin)
    claims.start_claim(coop, for_listings, listing, admin)
    with pytest.raises(claims.ClaimRefused):
        claims.start_claim(coop, for_listings, listing, admin)
    claims.start_claim(coop, for_coops, None, admin)


def test_a_label_without_current_criteria_cannot_be_claimed(app):
    from tests.factories import make_label

    coop, admin = make_coop_admin()
    with pytest.raises(claims.ClaimRefused):
        claims.start_claim(coop, make_label(scope=LabelScope.COOP), None, admin)


def test_buyers_members_and_other_coops_cannot_claim(app):
    label = make_label_with_criteria()
    coop = make_coop()
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    _other, other_admin = make_coop_admin()
    for person in (make_user(), member, other_admin, make_reviewer()):
        with pytest.raises(claims.ClaimNotAllowed):
            claims.start_claim(coop, label, None, person)


def test_submitting_with_missing_answers_is_refused_and_saves_nothing(app):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    wages, sourcing = label.current_version.criteria
    with pytest.raises(claims.ClaimIncomplete) as refused:
        claims.save_answers(claim, {wages.id: {"answer": "Yes"}}, admin, submit=True)
    assert [problem.field for problem in refused.value.missing] == [f"answer-{sourcing.id}"]
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.DRAFT and claim.answers == []
    claims.save_answers(
        claim, {sourcing.id: {"answer": "Local wool"}, wages.id: {"answer": "Yes"}}, admin
    )
    with pytest.raises(claims.ClaimIncomplete) as refused:
        claims.submit(claim, admin)
    assert [problem.field for problem in refused.value.missing] == [f"file-{sourcing.id}"]


def test_answers_and_links_are_checked(app):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    wages = label.current_version.criteria[0]
    with pytest.raises(claims.AnswersInvalid) as refused:
        claims.save_answers(
            claim, {wages.id: {"answer": "x" * 5001, "evidence_url": "javascript:alert(1)"}}, admin
        )
    assert {e.field for e in refused.value.errors} == {f"answer-{wages.id}", f"link-{wages.id}"}
    db.session.refresh(claim)
    assert claim.answers == []


def _evidence_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "evidence"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_a_pdf_is_stored_privately_by_its_content(app):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    sourcing = label.current_version.criteria[1]
    claims.attach_evidence(
        claim, sourcing.id, Upload(PDF, "certificate.pdf", "application/pdf"), admin
    )
    answer = claim.answers[0]
    assert evidence.is_stored_name(answer.evidence_file)
    assert answer.evidence_name == "certificate.pdf"
    assert answer.evidence_content_type == "application/pdf"
    assert (Path(app.instance_path) / "evidence" / answer.evidence_file).read_bytes() == PDF
    assert not (Path(app.instance_path) / "media" / answer.evidence_file).exists()


def test_an_evidence_image_loses_its_exif(app):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    sourcing = label.current_version.criteria[1]
    claims.attach_evidence(claim, sourcing.id, Upload(png_bytes(exif=True), "photo.jpg"), admin)
    stored = (Path(app.instance_path) / "evidence" / claim.answers[0].evidence_file).read_bytes()
    assert b"SecretCam" not in stored
    assert stored.startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "certificate.pdf", "is not a PDF"),
        (PDF, "certificate.png", "really a PDF"),
        (png_bytes(), "scan.pdf", "really a PNG"),
        (b"#!/bin/sh\necho hi", "run.sh", "must be a PDF"),
        (b"%PDF-1.4\n1 0 obj", "truncated.pdf", "damaged"),
        (png_bytes()[:40], "broken.png", "not a PDF"),
        (b"", "empty.pdf", "is empty"),
        (PDF + b"0" * 2000 + b"%%EOF", "big.pdf", "larger than"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(app, data, name, message):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    sourcing = label.current_version.criteria[1]
    with pytest.raises(claims.AnswersInvalid) as refused:
        claims.attach_evidence(claim, sourcing.id, Upload(data, name), admin)
    assert message in refused.value.errors[0].message
    db.session.refresh(claim)
    assert claim.answers == []
    assert _evidence_files(app) == []


def test_expiry_and_re_review_deadline_expire_the_claim(app):
    app.config["CLAIM_APPROVAL_DAYS"] = 30
    claim, _ = _submitted()
    claim_reviews.review(claim, make_reviewer(), "approve", "Fine.", now=T0)
    assert claim_reviews.expire_due(T0 + timedelta(days=29)) == 0
    assert claim_reviews.expire_due(T0 + timedelta(days=30)) == 1
    assert claim.status is ClaimStatus.EXPIRED
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.expired")).one()
    assert entry.actor_id is None

    other, _ = _submitted()
    claim_reviews.review(other, make_reviewer(), "approve", "Fine.", now=T0)
    other.rereview_due_at = T0 + timedelta(days=5)
    db.session.commit()
    assert claim_reviews.expire_due(T0 + timedelta(days=5)) == 1
    assert other.status is ClaimStatus.EXPIRED


def test_a_reminder_is_mailed_once_to_the_coop_admins(app):
    app.config["CLAIM_APPROVAL_DAYS"] = 60
    app.config["CLAIM_REMINDER_DAYS"] = 14
    claim, admin = _submitted()
    make_member(make_user(), claim.coop)  # a plain member is not mailed
    claim_reviews.review(claim, make_reviewer(), "approve", "Fine.", now=T0)
    assert claim_reviews.remind_due(T0 + timedelta(days=45)) == 0
    assert claim_reviews.remind_due(T0 + timedelta(days=46)) == 1
    assert claim.reminded_at == T0 + timedelta(days=46)
    assert claim_reviews.remind_due(T0 + timedelta(days=50)) == 0
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == admin.email
    assert claim.label.name in message["Subject"]


def test_renewal_carries_answers_over_to_the_current_criteria(app):
    label = make_label_with_criteria()
    claim, admin = _submitted(label=label)
    claim_reviews.review(claim, make_reviewer(), "approve", "Fine.", now=T0)
    make_label_with_criteria(
        label=label,
        number=2,
        criteria=[
            ("sourcing", "Where do materials come from, exactly?", True),
            ("new", "New?", False),
        ],
    )
    claims.renew(claim, admin, now=T0 + timedelta(days=300))
    # "New?" is not answered yet: the claim goes back to the co-op, not to the board.
    assert claim.status is ClaimStatus.CHANGES_REQUESTED
    assert claim.criteria_version.number == 2
    assert claim.submitted_at == T0 + timedelta(days=300)
    assert [(a.criterion.key, a.answer) for a in claim.answers] == [("sourcing", "Yes: sourcing.")]
    assert _actions(claim)[-1] == "claim.renewed"


def test_the_coop_can_withdraw_only_unapproved_claims_and_the_board_can_revoke(app):
    claim, admin = _submitted()
    claim_reviews.review(claim, make_reviewer(), "approve", "Fine.", now=T0)
    with pytest.raises(claims.ClaimNotAllowed):
        claim_reviews.revoke(claim, admin, "We stop.")
    with pytest.raises(claim_reviews.ReasonRequired):
        claim_reviews.revoke(claim, make_reviewer(), "")
    claim_reviews.revoke(claim, make_reviewer(), "Supplier changed.")
    assert claim.status is ClaimStatus.REVOKED
    assert _actions(claim)[-1] == "claim.revoked"

    draft_label = make_label_with_criteria()
    draft = claims.start_claim(claim.coop, draft_label, None, admin)
    claim_reviews.revoke(draft, admin)
    assert draft.status is ClaimStatus.REVOKED
    assert _actions(draft)[-1] == "claim.withdrawn"


def test_the_queue_is_oldest_first_and_filters_by_label(app):
    first_label, second_label = make_label_with_criteria(), make_label_with_criteria()
    coop, admin = make_coop_admin()
    newer = claims.start_claim(coop, first_label, None, admin)
    claims.save_answers(newer, full_answers(first_label), admin)
    claims.submit(newer, admin, now=T0 + timedelta(days=1))
    older = claims.start_claim(coop, second_label, None, admin)
    claims.save_answers(older, full_answers(second_label), admin)
    claims.submit(older, admin, now=T0)
    assert [e.claim.id for e in claim_reviews.queue()] == [older.id, newer.id]
    assert [e.claim.id for e in claim_reviews.queue(first_label.slug)] == [newer.id]
    assert claim_reviews.queue()[0].round == 1
    assert claims.claims_of(coop)[0].id == older.id
