"""The OpenAPI document generated from the code, the reference page, and JSON-only errors."""

from __future__ import annotations

import json
import re

import pytest
from flask import abort
from markupsafe import escape

from tests.api.test_public_api import CONTRACT_KEYS

PATHS = {
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/token": {"post"},
    "/api/v1/cart": {"get"},
    "/api/v1/cart/items": {"post"},
    "/api/v1/cart/items/{item_id}": {"patch", "delete"},
    "/api/v1/checkout": {"post"},
    "/api/v1/orders": {"get"},
    "/api/v1/orders/{order_id}": {"get"},
    "/api/v1/coop-orders": {"get"},
    "/api/v1/coop-orders/{coop_order_id}": {"get", "patch"},
    "/api/v1/coop-orders/{coop_order_id}/refunds": {"post"},
    "/api/v1/coop/payouts": {"get"},
    "/api/v1/listings": {"get"},
    "/api/v1/listings/{listing_id}": {"get"},
    "/api/v1/coops": {"get"},
    "/api/v1/coops/{slug}": {"get"},
    "/api/v1/labels": {"get"},
    "/api/v1/search": {"get"},
    "/api/v1/coop": {"get"},
    "/api/v1/coop/listings": {"get", "post"},
    "/api/v1/coop/listings/{listing_id}": {"get", "patch"},
    "/api/v1/coop/listings/{listing_id}/publish": {"post"},
    "/api/v1/coop/listings/{listing_id}/pause": {"post"},
    "/api/v1/coop/listings/{listing_id}/archive": {"post"},
    "/api/v1/coop/listings/{listing_id}/restore": {"post"},
}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    return json.loads(response.get_data(as_text=True))


def test_the_document_lists_every_endpoint_with_its_methods(spec):
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "Co-op Market API" and spec["info"]["version"] == "v1"
    assert {path: set(item) - {"parameters"} for path, item in spec["paths"].items()} == PATHS


def test_the_listing_schema_has_the_contract_keys(spec):
    listing = spec["components"]["schemas"]["Listing"]
    assert set(listing["properties"]) >= CONTRACT_KEYS
    assert set(listing["required"]) >= CONTRACT_KEYS
    assert listing["properties"]["price"]["allOf"] == [{"$ref": "#/components/schemas/Money"}]
    money = spec["components"]["schemas"]["Money"]
    assert set(money["properties"]) == {"amount", "currency"}
    assert money["properties"]["amount"]["type"] == "integer"
    assert "percent" in listing["properties"]["vat_rate"]["description"]
    detail = spec["components"]["schemas"]["LabelDetail"]
    assert set(detail["required"]) == {
        "slug",
        "criteria_version",
        "reviewed_at",
        "expires_at",
        "granted_to",
    }
    assert detail["properties"]["granted_to"]["enum"] == ["listing", "coop"]


def test_the_label_schema_documents_the_current_criteria(spec):
    label = spec["components"]["schemas"]["Label"]
    assert {"slug", "name", "summary", "description", "scope", "current_version"} <= set(
        label["required"]
    )
    version = spec["components"]["schemas"]["CriteriaVersion"]
    assert set(version["properties"]) == {"number", "adopted_at", "criteria"}
    criterion = spec["components"]["schemas"]["Criterion"]
    assert set(criterion["properties"]) == {"key", "question", "guidance", "evidence_required"}


def test_list_answers_are_documented_as_the_envelope(spec):
    page = spec["components"]["schemas"]["ListingPage"]
    assert set(page["properties"]) == {"total", "page", "per_page", "items"}
    ok = spec["paths"]["/api/v1/listings"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ListingPage"
    }


def test_token_endpoints_declare_their_token_and_public_ones_do_not(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == schemes["personalToken"]["scheme"] == "bearer"
    buyer = ("/api/v1/cart", "/api/v1/checkout", "/api/v1/orders")
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if path == "/api/v1/coop" or path.startswith(("/api/v1/coop/", "/api/v1/coop-orders")):
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert {"401", "403"} <= set(operation["responses"])
            elif path.startswith(buyer):
                assert operation["security"] == [{"personalToken": []}], (method, path)
                assert "401" in operation["responses"]
            else:
                assert "security" not in operation, (method, path)


def test_request_schemas_refuse_unknown_fields_and_document_the_price(spec):
    create = spec["components"]["schemas"]["ListingCreate"]
    assert create["additionalProperties"] is False
    assert {"title", "kind", "category", "price"} <= set(create["required"])
    amount = spec["components"]["schemas"]["PriceInput"]["properties"]["amount"]
    assert amount["type"] == "integer" and amount["minimum"] == 1
    assert "version" in spec["components"]["schemas"]["ListingUpdate"]["required"]


def test_every_operation_has_a_summary(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert operation.get("summary"), (method, path)


def test_the_reference_page_renders_every_path_in_the_site_layout(client, spec):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="site-header"' in page
    for path, methods in PATHS.items():
        assert path in page
        for method in methods:
            assert f"{method.upper()}</span> <code>{path}</code>" in page
    for operation in (op for item in spec["paths"].values() for op in item.values()):
        if isinstance(operation, dict):
            assert str(escape(operation["summary"])) in page
    assert 'id="schema-Listing"' in page and "Authorization: Bearer" in page
    # nothing fetched from elsewhere: the only script is the site's own search.js
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/search.js" defer>']


def test_unknown_api_paths_answer_json_not_the_html_error_page(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json()["code"] == "not_found"


def test_a_wrong_method_is_405_json_with_allow(client):
    response = client.delete("/api/v1/listings")
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_500_json_without_internals(app):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/explode", "explode", explode)
    response = app.test_client().get("/api/v1/explode")
    assert response.status_code == 500
    assert response.get_json() == {
        "code": "server_error",
        "message": "Something went wrong. Please try again in a moment.",
    }


def test_site_pages_still_get_the_html_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "text/html" in response.content_type


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (405, "method_not_allowed"),
        (409, "conflict"),
        (413, "payload_too_large"),
        (415, "unsupported_media_type"),
        (422, "validation_failed"),
        (429, "rate_limited"),
        (500, "server_error"),
    ],
)
def test_every_http_error_under_the_api_is_json_with_a_stable_code(app, status, code):
    def fail():
        abort(status)

    app.add_url_rule("/api/v1/fail", "fail", fail)
    response = app.test_client().get("/api/v1/fail")
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == code and body["message"]


def test_api_writes_need_no_csrf_token(app, client, bakery_auth, bread):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/api/v1/coop/listings",
        headers=bakery_auth,
        json={
            "title": "Rye sourdough",
            "kind": "good",
            "category": "bread",
            "price": {"amount": 450, "currency": "EUR"},
            "vat_rate": "7",
            "stock": 1,
        },
    )
    assert response.status_code == 201
