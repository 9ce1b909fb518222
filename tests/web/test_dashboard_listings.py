"""Co-op members create and edit listings in the dashboard."""

import pytest

from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus, MemberRole
from tests.factories import make_category, make_coop, make_listing, make_member, make_user
from tests.web.helpers import log_in

FORM = {
    "title": "Spelt loaf",
    "description": "Stone-ground spelt.",
    "kind": "good",
    "category": "bread",
    "price": "5.20",
    "currency": "EUR",
    "vat_rate": "7",
    "stock": "8",
    "capacity": "",
    "condition": "new",
    "sku": "SP-1",
    "region": "Graz",
    "ships_to": "AT",
    "language": "en",
}


@pytest.fixture
def bakery(app):
    make_category(slug="bread", name="Bread")
    coop = make_coop(slug="bakery", name="Bakery Co-op")
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    return coop, member


def test_a_member_creates_a_draft_and_publishes_it(client, bakery):
    coop, member = bakery
    log_in(client, member)
    response = client.post("/dashboard/bakery/listings/new", data=FORM)
    assert response.status_code == 302
    listing = db.session.query(Listing).one()
    assert listing.status is ListingStatus.DRAFT and listing.price_amount == 520
    assert client.get(f"/listings/{listing.id}").status_code == 200  # preview
    client.post(f"/dashboard/bakery/listings/{listing.id}/publish", data={"version": "1"})
    db.session.refresh(listing)
    assert listing.status is ListingStatus.ACTIVE
    client.post("/logout")
    assert "Spelt loaf" in client.get(f"/listings/{listing.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "-4"}, "must be more than zero"),
        ({"price": "0"}, "must be more than zero"),
        ({"price": "1000000000000"}, "is too large"),
        ({"currency": "XYZ"}, "Not a valid choice"),
        ({"title": "t" * 10_000}, "at most 200 characters"),
        ({"title": ""}, "is required"),
        ({"stock": "lots"}, "whole number"),
        ({"vat_rate": "nineteen"}, "percentage"),
        ({"kind": "spaceship"}, "Not a valid choice"),
        ({"category": "no-such"}, "Not a valid choice"),
    ],
)
def test_bad_input_gets_a_400_with_the_reason_and_stores_nothing(client, bakery, change, message):
    log_in(client, bakery[1])
    response = client.post("/dashboard/bakery/listings/new", data={**FORM, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(Listing).count() == 0


def test_missing_fields_get_a_400_not_a_500(client, bakery):
    log_in(client, bakery[1])
    response = client.post("/dashboard/bakery/listings/new", data={})
    assert response.status_code == 400
    assert db.session.query(Listing).count() == 0


def test_script_in_text_fields_is_stored_as_text_and_shown_escaped(client, bakery):
    log_in(client, bakery[1])
    evil = "<img src=x onerror=alert(1)>"
    client.post("/dashboard/bakery/listings/new", data={**FORM, "title": evil, "description": evil})
    listing = db.session.query(Listing).one()
    assert listing.title == evil
    page = client.get(f"/dashboard/bakery/listings/{listing.id}/edit").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_two_people_editing_the_second_save_is_a_conflict_and_loses_nothing(app, bakery):
    coop, member = bakery
    colleague = make_user()
    make_member(colleague, coop, MemberRole.ADMIN)
    listing = make_listing(coop=coop, category=make_category(), title="Original", sku="X1")
    first, second = app.test_client(), app.test_client()
    log_in(first, member)
    log_in(second, colleague)
    url = f"/dashboard/bakery/listings/{listing.id}/edit"
    base = {**FORM, "category": listing.category.slug, "sku": "X1", "version": "1"}
    assert first.post(url, data={**base, "title": "First person's title"}).status_code == 302
    response = second.post(url, data={**base, "title": "Second person's title", "price": "9.99"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this listing" in page
    assert "Second person&#39;s title" in page and "9.99" in page  # still in the form
    assert "First person&#39;s title" in page  # what the other saved, shown beside
    db.session.refresh(listing)
    assert listing.title == "First person's title" and listing.version == 2
    again = second.post(url, data={**base, "version": "2", "title": "Second person's title"})
    assert again.status_code == 302
    db.session.refresh(listing)
    assert listing.title == "Second person's title" and listing.version == 3


def test_a_refused_transition_is_explained(client, bakery):
    coop, member = bakery
    listing = make_listing(coop=coop, status=ListingStatus.DRAFT)
    log_in(client, member)
    response = client.post(
        f"/dashboard/bakery/listings/{listing.id}/pause",
        data={"version": "1"},
        follow_redirects=True,
    )
    assert "not possible" in response.get_data(as_text=True)
    db.session.refresh(listing)
    assert listing.status is ListingStatus.DRAFT


def test_members_of_other_coops_cannot_touch_the_listings(client, bakery):
    coop, _member = bakery
    listing = make_listing(coop=coop, status=ListingStatus.DRAFT)
    outsider = make_user()
    make_member(outsider, make_coop(), MemberRole.ADMIN)
    log_in(client, outsider)
    assert client.get(f"/dashboard/bakery/listings/{listing.id}/edit").status_code == 403
    assert client.post("/dashboard/bakery/listings/new", data=FORM).status_code == 403
    assert (
        client.post(
            f"/dashboard/bakery/listings/{listing.id}/publish", data={"version": "1"}
        ).status_code
        == 403
    )
    assert client.get(f"/listings/{listing.id}").status_code == 404
    db.session.refresh(listing)
    assert listing.status is ListingStatus.DRAFT


def test_a_listing_id_of_another_coop_under_my_coop_is_404(client, bakery):
    coop, member = bakery
    theirs = make_listing()
    log_in(client, member)
    assert client.get(f"/dashboard/bakery/listings/{theirs.id}/edit").status_code == 404
