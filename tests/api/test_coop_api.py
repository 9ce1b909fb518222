"""The token's co-op: authentication, scoping, and creating, changing and archiving listings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken, CoopStatus, Listing, ListingStatus
from marketplace.models.base import utcnow
from marketplace.services.api_tokens import create_token, revoke_token
from tests.api.conftest import bearer
from tests.factories import make_coop, make_listing

NEW_LISTING = {
    "sku": "RYE-1",
    "title": "Rye sourdough",
    "description": "Baked this morning.",
    "kind": "good",
    "category": "bread",
    "price": {"amount": 450, "currency": "EUR"},
    "vat_rate": "7",
    "stock": 12,
    "ships_to": ["DE", "AT"],
}


def listing_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def fresh(listing: Listing) -> Listing:
    db.session.refresh(listing)
    return listing


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}, {"Authorization": "cm_x"}],
)
def test_without_a_token_the_coop_endpoints_are_401_with_a_code(client, bakery, headers):
    response = client.get("/api/v1/coop/listings", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401_invalid_token(client, bakery):
    response = client.get("/api/v1/coop", headers={"Authorization": "Bearer cm_" + "x" * 43})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


def test_a_revoked_token_is_401(client, bakery):
    token, plaintext = create_token(bakery, "old")
    revoke_token(bakery, token.id)
    response = client.get("/api/v1/coop", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


def test_the_token_of_a_suspended_coop_is_403_coop_suspended(client, bakery, bakery_auth):
    bakery.status = CoopStatus.SUSPENDED
    db.session.commit()
    response = client.get("/api/v1/coop/listings", headers=bakery_auth)
    assert response.status_code == 403
    assert response.get_json()["code"] == "coop_suspended"


def test_the_token_of_an_applicant_coop_is_403_coop_not_admitted(client):
    applicant = make_coop(status=CoopStatus.APPLIED)
    response = client.get("/api/v1/coop", headers=bearer(applicant))
    assert response.status_code == 403
    assert response.get_json()["code"] == "coop_not_admitted"


def test_authentication_comes_before_body_validation(client, bakery):
    response = client.post("/api/v1/coop/listings", json={"nonsense": True})
    assert response.status_code == 401


def test_using_a_token_records_when_it_was_last_used_at_most_once_a_minute(
    client, bakery, bakery_auth
):
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is None
    client.get("/api/v1/coop", headers=bakery_auth)
    first = fresh(token).last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    client.get("/api/v1/coop", headers=bakery_auth)
    assert fresh(token).last_used_at == first


# --- the co-op's profile ------------------------------------------------------------------


def test_the_profile_is_the_tokens_coop_with_its_shipping_settings(client, bakery, roastery):
    bakery.shipping_flat_fee = 490
    bakery.shipping_free_above = 5000
    bakery.offers_pickup = True
    bakery.pickup_address = "Hauptstr. 1, Berlin"
    db.session.commit()
    body = client.get("/api/v1/coop", headers=bearer(bakery)).get_json()
    assert body["slug"] == "kornblume" and body["status"] == "admitted"
    assert body["shipping"] == {
        "flat_fee": {"amount": 490, "currency": "EUR"},
        "free_above": {"amount": 5000, "currency": "EUR"},
        "offers_pickup": True,
        "pickup_address": "Hauptstr. 1, Berlin",
    }
    other = client.get("/api/v1/coop", headers=bearer(roastery)).get_json()
    assert other["slug"] == "fika" and other["shipping"]["free_above"] is None


# --- scoping ------------------------------------------------------------------------------


@pytest.fixture
def roastery_draft(roastery, bread):
    return make_listing(coop=roastery, category=bread, status=ListingStatus.DRAFT, title="Secret")


def test_a_token_lists_all_its_coops_listings_and_none_of_another_coop(
    client, bakery, bakery_auth, bread, roastery_draft
):
    mine = [
        make_listing(coop=bakery, category=bread, status=status)
        for status in (ListingStatus.DRAFT, ListingStatus.ACTIVE, ListingStatus.ARCHIVED)
    ]
    body = client.get("/api/v1/coop/listings", headers=bakery_auth).get_json()
    assert body["total"] == 3
    assert [item["id"] for item in body["items"]] == [listing.id for listing in mine]
    drafts = client.get("/api/v1/coop/listings?status=draft", headers=bakery_auth).get_json()
    assert [item["id"] for item in drafts["items"]] == [mine[0].id]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Taken over", "version": 1}),
        ("post", "/publish", None),
        ("post", "/pause", None),
        ("post", "/archive", None),
        ("post", "/restore", None),
    ],
)
def test_another_coops_listing_is_404_and_stays_untouched(
    client, bakery_auth, roastery_draft, method, suffix, body
):
    url = f"/api/v1/coop/listings/{roastery_draft.id}{suffix}"
    response = getattr(client, method)(url, headers=bakery_auth, json=body)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert "Secret" not in response.get_data(as_text=True)
    listing = fresh(roastery_draft)
    assert (listing.title, listing.status, listing.version) == ("Secret", ListingStatus.DRAFT, 1)


def test_another_coops_draft_is_not_found_by_sku_either(client, bakery_auth, roastery, bread):
    make_listing(coop=roastery, category=bread, sku="X-1", status=ListingStatus.DRAFT)
    body = client.get("/api/v1/coop/listings?sku=X-1", headers=bakery_auth).get_json()
    assert body["total"] == 0 and body["items"] == []


# --- create, update, publish, archive -----------------------------------------------------


def test_creating_a_listing_stores_a_draft_and_answers_201_with_its_location(
    client, bakery, bakery_auth, bread
):
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=NEW_LISTING)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/coop/listings/{body['id']}"
    assert body["status"] == "draft" and body["version"] == 1
    assert body["price"] == {"amount": 450, "currency": "EUR"}
    assert (body["vat_rate"], body["vat_rate_bp"]) == ("7", 700)
    assert body["coop"] == {"slug": "kornblume", "name": "Kornblume Bakery"}
    listing = db.session.get(Listing, body["id"])
    assert (listing.coop_id, listing.price_amount, listing.stock) == (bakery.id, 450, 12)
    assert listing.ships_to == "DE AT"
    assert client.get(f"/api/v1/listings/{body['id']}").status_code == 404  # a draft


def test_a_vat_rate_may_be_given_in_basis_points(client, bakery_auth, bread):
    body = {**NEW_LISTING, "vat_rate_bp": 1900}
    del body["vat_rate"]
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=body)
    assert response.status_code == 201
    assert response.get_json()["vat_rate"] == "19"


def test_publishing_puts_the_listing_in_the_public_api(client, bakery_auth, bread):
    created = client.post("/api/v1/coop/listings", headers=bakery_auth, json=NEW_LISTING)
    listing_id = created.get_json()["id"]
    response = client.post(f"/api/v1/coop/listings/{listing_id}/publish", headers=bakery_auth)
    assert response.status_code == 200
    assert response.get_json()["status"] == "active"
    public = client.get(f"/api/v1/listings/{listing_id}")
    assert public.status_code == 200 and public.get_json()["title"] == "Rye sourdough"


def test_html_in_text_is_stored_as_text_and_shown_escaped_in_the_shop(client, bakery_auth, bread):
    script = "<script>alert('x')</script>"
    body = {**NEW_LISTING, "title": f"Rye {script}", "description": script, "region": script}
    created = client.post("/api/v1/coop/listings", headers=bakery_auth, json=body).get_json()
    assert created["title"] == f"Rye {script}" and created["description"] == script
    client.post(f"/api/v1/coop/listings/{created['id']}/publish", headers=bakery_auth)
    page = client.get(f"/listings/{created['id']}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_an_update_changes_only_the_given_fields_and_bumps_the_version(
    client, bakery, bakery_auth, bread
):
    listing = make_listing(coop=bakery, category=bread, title="Rye", stock=3, sku="R-1")
    response = client.patch(
        f"/api/v1/coop/listings/{listing.id}",
        headers=bakery_auth,
        json={"price": {"amount": 520, "currency": "EUR"}, "stock": 0, "version": 1},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["price"]["amount"], body["stock"], body["version"]) == (520, 0, 2)
    assert (body["title"], body["sku"]) == ("Rye", "R-1")
    assert fresh(listing).price_amount == 520


def test_a_stale_version_is_409_with_the_current_listing_and_changes_nothing(
    client, bakery, bakery_auth, bread
):
    listing = make_listing(coop=bakery, category=bread, title="Rye")
    url = f"/api/v1/coop/listings/{listing.id}"
    first = client.patch(url, headers=bakery_auth, json={"title": "Rye, dark", "version": 1})
    assert first.status_code == 200
    second = client.patch(url, headers=bakery_auth, json={"title": "Rye, light", "version": 1})
    assert second.status_code == 409
    body = second.get_json()
    assert body["code"] == "version_conflict"
    assert body["listing"]["title"] == "Rye, dark" and body["listing"]["version"] == 2
    assert (fresh(listing).title, listing.version) == ("Rye, dark", 2)


def test_an_update_needs_the_version(client, bakery, bakery_auth, bread):
    listing = make_listing(coop=bakery, category=bread)
    response = client.patch(
        f"/api/v1/coop/listings/{listing.id}", headers=bakery_auth, json={"title": "New title"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"version"}


def test_archiving_takes_the_listing_out_of_the_shop(client, bakery, bakery_auth, bread):
    listing = make_listing(coop=bakery, category=bread)
    response = client.post(
        f"/api/v1/coop/listings/{listing.id}/archive", headers=bakery_auth, json={"version": 1}
    )
    assert response.status_code == 200 and response.get_json()["status"] == "archived"
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404
    assert fresh(listing).status is ListingStatus.ARCHIVED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ListingStatus.ARCHIVED, "archive"),
        (ListingStatus.ARCHIVED, "publish"),
        (ListingStatus.DRAFT, "pause"),
        (ListingStatus.ACTIVE, "restore"),
    ],
)
def test_a_transition_not_allowed_from_the_status_is_409_invalid_transition(
    client, bakery, bakery_auth, bread, status, action
):
    listing = make_listing(coop=bakery, category=bread, status=status)
    response = client.post(f"/api/v1/coop/listings/{listing.id}/{action}", headers=bakery_auth)
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "invalid_transition" and body["status"] == str(status)
    assert fresh(listing).status is status


def test_a_transition_with_a_stale_version_is_409_version_conflict(
    client, bakery, bakery_auth, bread
):
    listing = make_listing(coop=bakery, category=bread)
    response = client.post(
        f"/api/v1/coop/listings/{listing.id}/pause", headers=bakery_auth, json={"version": 7}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "version_conflict"
    assert fresh(listing).status is ListingStatus.ACTIVE


def test_a_duplicate_sku_is_422_on_the_sku_and_stores_nothing(client, bakery, bakery_auth, bread):
    make_listing(coop=bakery, category=bread, sku="RYE-1")
    before = listing_count()
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=NEW_LISTING)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"sku"}
    assert listing_count() == before


def test_the_same_sku_in_another_coop_is_fine(client, roastery, bakery_auth, bread):
    make_listing(coop=roastery, category=bread, sku="RYE-1")
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=NEW_LISTING)
    assert response.status_code == 201
