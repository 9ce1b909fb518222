"""Claim pages of the co-op dashboard and the review board, through the test client."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from marketplace.extensions import db
from marketplace.models import ClaimStatus, LabelClaim, MemberRole
from marketplace.services import claims
from tests.claim_factories import (
    PDF,
    full_answers,
    make_coop_admin,
    make_label_with_criteria,
    make_reviewer,
)
from tests.factories import make_coop, make_member, make_user
from tests.web.helpers import log_in


def _form(label, **extra):
    data = {}
    for criterion_id, values in full_answers(label).items():
        data[f"answer-{criterion_id}"] = values["answer"]
        data[f"link-{criterion_id}"] = values["evidence_url"]
    data.update(extra)
    return data


def test_a_coop_admin_claims_a_label_and_a_reviewer_approves_it(app, client):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    log_in(client, admin)
    response = client.post(
        f"/dashboard/{coop.slug}/claims/new", data={"label": label.id, "target": "coop"}
    )
    assert response.status_code == 302
    claim = db.session.query(LabelClaim).one()
    page = client.get(response.location).get_data(as_text=True)
    assert "Where do materials come from?" in page and "Evidence required" in page
    sourcing = label.current_version.criteria[1]
    data = _form(label, action="submit")
    data[f"file-{sourcing.id}"] = (io.BytesIO(PDF), "certificate.pdf", "application/pdf")
    response = client.post(
        f"/dashboard/{coop.slug}/claims/{claim.id}", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.SUBMITTED

    reviewer = make_reviewer()
    log_in(client, reviewer)
    queue = client.get("/review/").get_data(as_text=True)
    assert coop.name in queue and label.name in queue
    page = client.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert "certificate.pdf" in page
    answer = next(a for a in claim.answers if a.evidence_file)
    download = client.get(f"/claims/{claim.id}/evidence/{answer.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    response = client.post(
        f"/review/claims/{claim.id}",
        data={"decision": "approve", "reason": "Certificate checks out."},
    )
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.APPROVED

    log_in(client, admin)
    listing_page = client.get(f"/dashboard/{coop.slug}/claims").get_data(as_text=True)
    assert "Certificate checks out." in listing_page


def test_a_decision_without_a_reason_is_refused(app, client):
    claim = _submitted_claim()
    log_in(client, make_reviewer())
    response = client.post(f"/review/claims/{claim.id}", data={"decision": "reject", "reason": ""})
    assert response.status_code == 400
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.SUBMITTED


def test_a_reviewer_of_the_claiming_coop_sees_the_claim_read_only(app, client):
    claim = _submitted_claim()
    reviewer = make_reviewer()
    make_member(reviewer, claim.coop)
    log_in(client, reviewer)
    page = client.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert "you can read this claim but not decide it" in page
    assert "Record the decision" not in page
    response = client.post(
        f"/review/claims/{claim.id}", data={"decision": "approve", "reason": "Mine."}
    )
    assert response.status_code == 400
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.SUBMITTED


def test_a_disguised_evidence_file_is_refused_on_the_page(app, client):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    sourcing = label.current_version.criteria[1]
    log_in(client, admin)
    data = _form(label, action="save")
    data[f"file-{sourcing.id}"] = (io.BytesIO(b"<html>hi</html>"), "proof.pdf", "application/pdf")
    response = client.post(
        f"/dashboard/{coop.slug}/claims/{claim.id}", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "proof.pdf is not a PDF, JPEG, PNG or WebP file." in response.get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.answers == []
    assert not (Path(app.instance_path) / "evidence").exists() or not any(
        (Path(app.instance_path) / "evidence").iterdir()
    )


def test_submitting_an_incomplete_claim_names_what_is_missing(app, client):
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    log_in(client, admin)
    response = client.post(f"/dashboard/{coop.slug}/claims/{claim.id}", data={"action": "submit"})
    assert response.status_code == 400
    assert "no answer yet" in response.get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.DRAFT


@pytest.mark.parametrize("who", ["buyer", "member", "other_admin", "reviewer"])
def test_only_the_coops_admins_can_claim(app, client, who):
    label = make_label_with_criteria()
    coop = make_coop()
    person = make_reviewer() if who == "reviewer" else make_user()
    if who == "member":
        make_member(person, coop, MemberRole.MEMBER)
    if who == "other_admin":
        make_coop_admin(coop=None)
        make_member(person, make_coop(), MemberRole.ADMIN)
    log_in(client, person)
    response = client.post(
        f"/dashboard/{coop.slug}/claims/new", data={"label": label.id, "target": "coop"}
    )
    assert response.status_code == 403
    assert db.session.query(LabelClaim).count() == 0


def test_a_member_reads_claims_but_an_outsider_cannot_download_evidence(app, client):
    claim = _submitted_claim()
    member = make_user()
    make_member(member, claim.coop, MemberRole.MEMBER)
    log_in(client, member)
    assert client.get(f"/dashboard/{claim.coop.slug}/claims").status_code == 200
    assert client.get(f"/dashboard/{claim.coop.slug}/claims/{claim.id}").status_code == 200
    log_in(client, make_user())
    assert client.get(f"/dashboard/{claim.coop.slug}/claims").status_code == 403
    answer = claim.answers[0]
    assert client.get(f"/claims/{claim.id}/evidence/{answer.id}").status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "buyer", "coop_admin"])
def test_only_reviewers_see_the_queue(app, client, who):
    claim = _submitted_claim()
    if who == "buyer":
        log_in(client, make_user())
    elif who == "coop_admin":
        log_in(client, claim.coop.memberships[0].user)
    expected = 302 if who == "anonymous" else 403
    assert client.get("/review/").status_code == expected
    assert client.get(f"/review/claims/{claim.id}").status_code == expected


def test_the_queue_filters_by_label(app, client):
    claim = _submitted_claim()
    other_label = make_label_with_criteria()
    log_in(client, make_reviewer())
    assert claim.coop.name in client.get(f"/review/?label={claim.label.slug}").get_data(
        as_text=True
    )
    assert claim.coop.name not in client.get(f"/review/?label={other_label.slug}").get_data(
        as_text=True
    )


def _submitted_claim() -> LabelClaim:
    label = make_label_with_criteria()
    coop, admin = make_coop_admin()
    claim = claims.start_claim(coop, label, None, admin)
    claims.save_answers(claim, full_answers(label), admin)
    return claims.submit(claim, admin)
