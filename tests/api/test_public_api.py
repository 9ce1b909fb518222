"""Public API: listings and co-ops anyone may read, in the documented shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace.models import CoopStatus, ListingKind, ListingStatus
from tests.factories import make_category, make_coop, make_listing

CONTRACT_KEYS = {
    "id",
    "sku",
    "title",
    "description",
    "kind",
    "price",
    "vat_rate",
    "stock",
    "status",
    "condition",
    "category",
    "coop",
    "labels",
    "label_details",
    "url",
    "version",
}


def test_a_listing_reads_with_every_contract_key_and_exact_values(client, bakery, bread):
    listing = make_listing(
        coop=bakery,
        category=bread,
        sku="RYE-1",
        title="Rye sourdough",
        description="Baked <b>this</b> morning.",
        price_amount=1250,
        currency="EUR",
        vat_rate_bp=550,
        stock=7,
        ships_to="DE AT",
    )
    response = client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) >= CONTRACT_KEYS
    assert {key: body[key] for key in CONTRACT_KEYS} == {
        "id": listing.id,
        "sku": "RYE-1",
        "title": "Rye sourdough",
        "description": "Baked <b>this</b> morning.",
        "kind": "good",
        "price": {"amount": 1250, "currency": "EUR"},
        "vat_rate": "5.5",
        "stock": 7,
        "status": "active",
        "condition": "new",
        "category": "bread",
        "coop": {"slug": "kornblume", "name": "Kornblume Bakery"},
        "labels": [],
        "label_details": [],
        "url": f"http://localhost/listings/{listing.id}",
        "version": 1,
    }
    assert body["vat_rate_bp"] == 550
    assert body["ships_to"] == ["DE", "AT"]
    assert body["capacity"] is None


@pytest.mark.parametrize(
    ("basis_points", "percent"),
    [(1900, "19"), (550, "5.5"), (0, "0"), (10000, "100"), (725, "7.25")],
)
def test_vat_rates_read_as_exact_percent_strings(client, bakery, bread, basis_points, percent):
    listing = make_listing(coop=bakery, category=bread, vat_rate_bp=basis_points)
    body = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert (body["vat_rate"], body["vat_rate_bp"]) == (percent, basis_points)


def test_a_service_on_request_has_no_stock_and_no_capacity(client, bakery, bread):
    listing = make_listing(coop=bakery, category=bread, kind=ListingKind.SERVICE, capacity=None)
    body = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert (body["kind"], body["stock"], body["capacity"]) == ("service", None, None)


def test_the_list_answers_the_envelope_with_only_public_listings(client, bakery, roastery, bread):
    shown = make_listing(coop=bakery, category=bread, title="Shown")
    make_listing(coop=bakery, category=bread, status=ListingStatus.DRAFT, title="Draft")
    make_listing(coop=bakery, category=bread, status=ListingStatus.PAUSED, title="Paused")
    make_listing(coop=bakery, category=bread, status=ListingStatus.ARCHIVED, title="Archived")
    suspended = make_coop(status=CoopStatus.SUSPENDED)
    make_listing(coop=suspended, category=bread, title="Of a suspended co-op")
    applied = make_coop(status=CoopStatus.APPLIED)
    make_listing(coop=applied, category=bread, title="Of an applicant")
    body = client.get("/api/v1/listings").get_json()
    assert set(body) == {"total", "page", "per_page", "items"}
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    assert [item["id"] for item in body["items"]] == [shown.id]


@pytest.mark.parametrize(
    "status", [ListingStatus.DRAFT, ListingStatus.PAUSED, ListingStatus.ARCHIVED]
)
def test_a_listing_that_is_not_active_is_404_publicly(client, bakery, bread, status):
    listing = make_listing(coop=bakery, category=bread, status=status)
    response = client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_a_listing_of_a_suspended_coop_is_404_publicly(client, bread):
    coop = make_coop(status=CoopStatus.SUSPENDED)
    listing = make_listing(coop=coop, category=bread)
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


@pytest.mark.parametrize("listing_id", ["0", "999999", "99999999999999999999", "abc", "-1"])
def test_unknown_listing_ids_are_404_json(client, listing_id):
    response = client.get(f"/api/v1/listings/{listing_id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_pages_split_the_list_newest_first(client, bakery, bread):
    made = [
        make_listing(
            coop=bakery, category=bread, published_at=datetime(2026, 1, day + 1, tzinfo=UTC)
        )
        for day in range(5)
    ]
    first = client.get("/api/v1/listings?per_page=2").get_json()
    third = client.get("/api/v1/listings?per_page=2&page=3").get_json()
    beyond = client.get("/api/v1/listings?per_page=2&page=4").get_json()
    assert first["total"] == 5 and first["per_page"] == 2
    assert [item["id"] for item in first["items"]] == [made[4].id, made[3].id]
    assert [item["id"] for item in third["items"]] == [made[0].id]
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=x", "per_page=-5"])
def test_out_of_range_paging_is_422_with_the_field_named(client, query):
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed"
    assert set(body["errors"]) == {query.split("=")[0]}


def test_listings_filter_by_coop_and_by_category_with_its_subcategories(
    client, bakery, roastery, bread
):
    coffee = make_category(name="Coffee", slug="coffee")
    rye = make_listing(coop=bakery, category=bread)
    beans = make_listing(coop=roastery, category=coffee)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"/api/v1/listings?{query}").get_json()["items"]]

    assert ids("coop=fika") == [beans.id]
    assert ids("category=food") == [rye.id]
    assert ids("category=coffee&coop=kornblume") == []
    assert ids("category=no-such-category") == []
    assert ids("coop=no-such-coop") == []


def test_public_coops_list_only_admitted_coops_in_the_envelope(client, bakery, roastery):
    make_coop(status=CoopStatus.SUSPENDED, name="Zeta suspended")
    make_coop(status=CoopStatus.APPLIED, name="Zeta applied")
    body = client.get("/api/v1/coops").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    assert [coop["slug"] for coop in body["items"]] == ["fika", "kornblume"]
    second = client.get("/api/v1/coops?per_page=1&page=2").get_json()
    assert [coop["slug"] for coop in second["items"]] == ["kornblume"]


def test_a_public_coop_reads_without_private_settings(client, bakery):
    body = client.get("/api/v1/coops/kornblume").get_json()
    assert body["slug"] == "kornblume" and body["name"] == "Kornblume Bakery"
    assert body["url"] == "http://localhost/coops/kornblume"
    assert "shipping" not in body and "bank_iban" not in body and "status" not in body


@pytest.mark.parametrize("status", [CoopStatus.SUSPENDED, CoopStatus.APPLIED, CoopStatus.DECLINED])
def test_a_coop_that_is_not_admitted_is_404_publicly(client, status):
    make_coop(slug="hidden", status=status)
    response = client.get("/api/v1/coops/hidden")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
