"""Findings of the security review, each kept fixed by a test."""

import pytest

from marketplace.extensions import db
from marketplace.models import ClaimStatus, MemberRole
from marketplace.services import claim_reviews, claims, members
from marketplace.web.helpers import safe_next
from tests.claim_factories import full_answers, make_label_with_criteria
from tests.factories import PASSWORD, make_coop, make_listing, make_member, make_user
from tests.web.helpers import log_in


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        " /x",
        "/\x7f/evil",
    ],
)
def test_redirect_targets_with_hidden_characters_are_refused(target):
    assert safe_next(target) is None


def test_plain_paths_are_kept():
    assert safe_next("/categories/?page=2") == "/categories/?page=2"


def test_login_never_redirects_off_site_through_a_tab(client):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/\t/evil.example"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "url",
    [
        "/listings/99999999999999999999999",
        "/proposals/99999999999999999999",
        "/claims/99999999999999999999/evidence/1",
    ],
)
def test_huge_ids_in_urls_are_404_not_500(client, url):
    log_in(client, make_user())
    assert client.get(url).status_code == 404


def test_a_huge_page_number_is_not_a_500(client):
    coop = make_coop()
    make_listing(coop=coop)
    assert client.get(f"/coops/{coop.slug}?page=999999999999999999999").status_code == 200


def test_a_huge_user_id_in_a_member_form_is_a_400(client):
    coop = make_coop(slug="bakery")
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    log_in(client, admin)
    response = client.post(
        "/dashboard/bakery/members/role", data={"user_id": "9" * 25, "role": "admin"}
    )
    assert response.status_code == 400


def test_logging_out_ends_the_session_even_for_a_copied_cookie(app):
    user = make_user()
    first = app.test_client()
    log_in(first, user)
    copy = app.test_client()
    cookie = first.get_cookie("session")
    copy.set_cookie("session", cookie.value)
    assert copy.get("/account").status_code == 200
    first.post("/logout")
    assert copy.get("/account").status_code == 302


def test_a_reviewer_who_left_the_claiming_coop_still_may_not_decide(app):
    coop = make_coop()
    admin, reviewer = make_user(), make_user(is_reviewer=True)
    make_member(admin, coop, MemberRole.ADMIN)
    make_member(reviewer, coop, MemberRole.MEMBER)
    label = make_label_with_criteria()
    claim = claims.start_claim(coop, label, None, admin)
    claims.save_answers(claim, full_answers(label), admin, submit=True)
    members.remove_member(coop, reviewer.id, reviewer)
    assert not claim_reviews.may_decide(claim, reviewer)
    with pytest.raises(claims.ClaimProblem):
        claim_reviews.review(claim, reviewer, "approve", "Looks fine to me.")
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.SUBMITTED


def test_reviewers_cannot_read_the_evidence_of_a_draft(app):
    coop = make_coop()
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    label = make_label_with_criteria()
    claim = claims.start_claim(coop, label, None, admin)
    client = app.test_client()
    log_in(client, make_user(is_reviewer=True))
    assert client.get(f"/claims/{claim.id}/evidence/1").status_code == 403


def test_renewing_against_new_criteria_tells_the_coop_to_answer_them(app):
    from datetime import timedelta

    from marketplace.models.base import utcnow

    label = make_label_with_criteria()
    coop = make_coop()
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    claim = claims.start_claim(coop, label, None, admin)
    claims.save_answers(claim, full_answers(label), admin, submit=True)
    claim_reviews.review(
        claim, make_user(is_reviewer=True), "approve", "Fine.", now=utcnow() - timedelta(days=1)
    )
    make_label_with_criteria(
        label=label, number=2, criteria=[("brand-new", "New question?", False)]
    )
    client = app.test_client()
    log_in(client, admin)
    page = client.post(f"/dashboard/{coop.slug}/claims/{claim.id}/renew", follow_redirects=True)
    assert "answer the new questions" in page.get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.CHANGES_REQUESTED


def test_the_too_large_page_names_the_limit_in_whole_megabytes(client):
    response = client.post("/login", data={"blob": "x" * (17 * 2**20)})
    assert response.status_code == 413
    assert "at most 16 MB" in response.get_data(as_text=True)
