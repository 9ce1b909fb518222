"""Only approved, unexpired claims (not past a re-review deadline) count as verified labels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import ClaimStatus, CriteriaStatus, ListingStatus
from marketplace.models.base import utcnow
from marketplace.services import label_catalog, labels
from tests.factories import make_coop, make_listing, make_user
from tests.verified_label_factories import make_claim, make_criteria, make_labelled

#: claims that must never show as a label: (status, expires in days, re-review due in days)
NOT_VERIFIED = {
    "draft": (ClaimStatus.DRAFT, None, None),
    "submitted": (ClaimStatus.SUBMITTED, None, None),
    "changes_requested": (ClaimStatus.CHANGES_REQUESTED, None, None),
    "rejected": (ClaimStatus.REJECTED, None, None),
    "expired": (ClaimStatus.EXPIRED, -1, None),
    "revoked": (ClaimStatus.REVOKED, 300, None),
    "approved_but_past_expiry": (ClaimStatus.APPROVED, -1, None),
    "approved_but_rereview_overdue": (ClaimStatus.APPROVED, 300, -1),
}


def unverified_claim(case: str, label, coop, listing=None):
    status, expires_in, rereview_in = NOT_VERIFIED[case]
    now = utcnow()
    return make_claim(
        label,
        coop,
        listing,
        status,
        approved_at=now - timedelta(days=400) if expires_in is not None else None,
        expires_at=now + timedelta(days=expires_in) if expires_in is not None else None,
        rereview_due_at=now + timedelta(days=rereview_in) if rereview_in is not None else None,
    )


@pytest.mark.parametrize("case", sorted(NOT_VERIFIED))
def test_a_claim_that_is_not_approved_and_current_gives_no_label(app, case):
    label = make_labelled(name="Fair Trade", slug="fair-trade")
    listing = make_listing()
    unverified_claim(case, label, listing.coop, listing)
    unverified_claim(case, label, listing.coop)
    assert labels.for_listings([listing]) == {listing.id: []}
    assert labels.for_coop(listing.coop_id) == []
    assert labels.slugs_for_listing(listing) == []


def test_an_approved_claim_counts_until_it_expires(app):
    label = make_labelled(slug="organic")
    listing = make_listing()
    claim = make_claim(label, listing.coop, listing)
    assert labels.slugs_for_listing(listing) == ["organic"]

    def verified_at(moment):
        return db.session.scalars(labels.verified_claims(now=moment)).unique().all()

    assert verified_at(claim.expires_at - timedelta(seconds=1)) == [claim]
    assert verified_at(claim.expires_at) == []


def test_a_rereview_due_in_the_future_still_counts(app):
    label = make_labelled(slug="fair-wages")
    coop = make_coop()
    make_claim(label, coop, rereview_due_at=utcnow() + timedelta(days=10))
    assert [v.slug for v in labels.for_coop(coop.id)] == ["fair-wages"]


def test_a_listing_shows_its_own_labels_and_those_of_its_coop_each_once(app):
    local = make_labelled(name="Local", slug="local")
    worker = make_labelled(name="Worker-owned", slug="worker-owned")
    listing = make_listing()
    make_claim(local, listing.coop, listing)
    make_claim(local, listing.coop)
    make_claim(worker, listing.coop)
    found = labels.for_listing(listing)
    assert [(v.slug, v.granted_to) for v in found] == [
        ("local", "listing"),
        ("worker-owned", "coop"),
    ]
    assert all(v.criteria_version == 1 for v in found)


def test_why_verified_names_the_approving_reviewers_and_summarises_the_evidence(app):
    label = make_labelled(name="Organic", slug="organic")
    listing = make_listing()
    lena = make_user(name="Lena Reviewer", is_reviewer=True)
    make_claim(label, listing.coop, listing, reviewer=lena)
    [why] = label_catalog.why_verified(labels.for_listing(listing))
    assert why.reviewers == ["Lena Reviewer"]
    assert (why.criteria, why.answered, why.documents, why.links) == (3, 3, 0, 1)
    assert why.label.granted_to == "listing" and why.adopted_at is not None


def test_a_label_page_lists_only_public_carriers_of_verified_claims(app):
    label = make_labelled(name="Small-batch", slug="small-handmade")
    shown = make_listing(title="Hand-sewn tote")
    make_claim(label, shown.coop, shown)
    hidden = make_listing(title="Draft tote", status=ListingStatus.DRAFT)
    make_claim(label, hidden.coop, hidden)
    waiting = make_listing(title="Waiting tote")
    make_claim(label, waiting.coop, waiting, ClaimStatus.SUBMITTED)
    coop = make_coop(name="Verified Co-op")
    make_claim(label, coop)
    page = label_catalog.label_page("small-handmade")
    assert [item.title for item in page.listings] == ["Hand-sewn tote"]
    assert page.listing_total == 1
    assert [c.name for c in page.coops] == ["Verified Co-op"]
    assert [v.slug for v in page.listing_labels[shown.id]] == ["small-handmade"]


def test_a_label_page_shows_the_current_criteria_and_earlier_versions(app):
    label = make_labelled(slug="local")
    label.current_version.status = CriteriaStatus.SUPERSEDED
    make_criteria(label, number=2, questions=4)
    page = label_catalog.label_page("local")
    assert page.current is not None and page.current.number == 2
    assert len(page.current.criteria) == 4
    assert [v.number for v in page.earlier] == [1]


def test_an_unknown_label_page_is_not_found(app):
    with pytest.raises(label_catalog.LabelNotFound):
        label_catalog.label_page("no-such-label")
