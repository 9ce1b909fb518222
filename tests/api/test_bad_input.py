"""Bad input through the API: a 4xx with a clear message and the field named, nothing stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Listing
from tests.api.test_coop_api import NEW_LISTING
from tests.factories import make_listing

DROP = object()


def with_change(path: str, value: object) -> dict:
    """NEW_LISTING with one (possibly nested) key set, or dropped when value is DROP."""
    body = json.loads(json.dumps(NEW_LISTING))
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is DROP:
        target.pop(last)
    else:
        target[last] = value
    return body


#: (key to change, its bad value, the field the error must name)
BAD_CREATES = [
    ("price.amount", 4.5, "price.amount"),
    ("price.amount", 450.0, "price.amount"),
    ("price.amount", "450", "price.amount"),
    ("price.amount", True, "price.amount"),
    ("price.amount", None, "price.amount"),
    ("price.amount", -450, "price.amount"),
    ("price.amount", 0, "price.amount"),
    ("price.amount", 10**15, "price.amount"),
    ("price.amount", 10**40, "price.amount"),
    ("price.amount", DROP, "price.amount"),
    ("price.currency", "XYZ", "price.currency"),
    ("price.currency", "", "price.currency"),
    ("price.currency", 978, "price.currency"),
    ("price.currency", DROP, "price.currency"),
    ("price.cents", 5, "price.cents"),
    ("price", "4.50", "price"),
    ("price", 450, "price"),
    ("price", DROP, "price"),
    ("title", "x" * 10_000, "title"),
    ("title", "", "title"),
    ("title", "  ", "title"),
    ("title", 12345, "title"),
    ("title", None, "title"),
    ("title", ["Rye"], "title"),
    ("title", DROP, "title"),
    ("description", "x" * 10_001, "description"),
    ("description", {"text": "x"}, "description"),
    ("kind", "gift", "kind"),
    ("kind", DROP, "kind"),
    ("category", "no-such-category", "category"),
    ("category", DROP, "category"),
    ("vat_rate", 19, "vat_rate"),
    ("vat_rate", 19.5, "vat_rate"),
    ("vat_rate", "19.123", "vat_rate"),
    ("vat_rate", "abc", "vat_rate"),
    ("vat_rate", "150", "vat_rate"),
    ("vat_rate", "-7", "vat_rate"),
    ("vat_rate", DROP, "vat_rate"),
    ("vat_rate_bp", 700, "vat_rate"),
    ("stock", DROP, "stock"),
    ("stock", None, "stock"),
    ("stock", -1, "stock"),
    ("stock", "5", "stock"),
    ("stock", 2.5, "stock"),
    ("stock", True, "stock"),
    ("stock", 10**9, "stock"),
    ("sku", "has space", "sku"),
    ("sku", "x" * 65, "sku"),
    ("condition", "broken", "condition"),
    ("language", "fr", "language"),
    ("ships_to", "DE", "ships_to"),
    ("ships_to", ["Germany"], "ships_to"),
    ("ships_to", [1], "ships_to.0"),
    ("region", "x" * 121, "region"),
    ("colour", "red", "colour"),
    ("status", "active", "status"),
    ("id", 5, "id"),
    ("version", 1, "version"),
]


def listing_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


@pytest.mark.parametrize(("key", "value", "field"), BAD_CREATES)
def test_a_bad_new_listing_is_422_naming_the_field_and_stores_nothing(
    client, bakery_auth, bread, key, value, field
):
    response = client.post(
        "/api/v1/coop/listings", headers=bakery_auth, json=with_change(key, value)
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "validation_failed" and body["message"]
    assert field in body["errors"], body["errors"]
    assert all(messages and all(messages) for messages in body["errors"].values())
    assert listing_count() == 0


def test_a_vat_rate_in_basis_points_out_of_range_is_named_as_sent(client, bakery_auth, bread):
    body = with_change("vat_rate", DROP)
    body["vat_rate_bp"] = 20_000
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"vat_rate_bp"}


def test_several_wrong_fields_are_reported_together(client, bakery_auth, bread):
    body = {**NEW_LISTING, "title": "x" * 500, "kind": "gift", "ships_to": ["Mars"]}
    response = client.post("/api/v1/coop/listings", headers=bakery_auth, json=body)
    assert response.status_code == 422
    assert {"title", "kind", "ships_to"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("title=Rye", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("hello", "text/plain", 415, "unsupported_media_type"),
        ('{"title": ', "application/json", 400, "invalid_json"),
        ("[" * 100_000, "application/json", 400, "invalid_json"),
        ("\xff\xfe", "application/json", 400, "invalid_json"),
        ("[]", "application/json", 422, "validation_failed"),
        ("null", "application/json", 422, "validation_failed"),
        ('"text"', "application/json", 422, "validation_failed"),
        ("", "application/json", 422, "validation_failed"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_clearly(
    client, bakery_auth, bread, data, content_type, status, code
):
    response = client.post(
        "/api/v1/coop/listings", headers=bakery_auth, data=data, content_type=content_type
    )
    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert listing_count() == 0


def test_a_body_larger_than_the_limit_is_413_json(app, client, bakery_auth, bread):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    body = json.dumps({**NEW_LISTING, "description": "x" * too_big})
    response = client.post(
        "/api/v1/coop/listings", headers=bakery_auth, data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"
    assert listing_count() == 0


BAD_UPDATES = [
    ("price", {"amount": 0, "currency": "EUR"}, "price.amount"),
    ("price", {"amount": 1.5, "currency": "EUR"}, "price.amount"),
    ("price", {"amount": 150, "currency": "DOGE"}, "price.currency"),
    ("title", "x" * 10_000, "title"),
    ("title", None, "title"),
    ("kind", "service", None),  # becomes valid: services need no stock
    ("stock", -3, "stock"),
    ("category", "nope", "category"),
    ("status", "active", "status"),
    ("version", "1", "version"),
    ("version", 1.0, "version"),
]


@pytest.mark.parametrize(("key", "value", "field"), BAD_UPDATES)
def test_a_bad_update_is_422_and_leaves_the_listing_as_it_was(
    client, bakery, bakery_auth, bread, key, value, field
):
    listing = make_listing(coop=bakery, category=bread, title="Rye", price_amount=450, stock=4)
    body = {"version": 1, key: value}
    response = client.patch(f"/api/v1/coop/listings/{listing.id}", headers=bakery_auth, json=body)
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    db.session.refresh(listing)
    assert (listing.title, listing.price_amount, listing.stock, listing.version) == (
        "Rye",
        450,
        4,
        1,
    )
