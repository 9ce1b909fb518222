"""GET /api/v1/search: the shop's search as JSON, in the shape other tools rely on."""

from __future__ import annotations

import pytest

from search.backend import FACETS
from tests.web.test_search_pages import build_world

RESULT_KEYS = {"id", "title", "coop", "price", "labels", "url", "snippet"}


@pytest.fixture
def world(app):
    return build_world()


def test_the_answer_has_the_agreed_shape(client, world):
    response = client.get("/api/v1/search?q=bread&sort=price_asc")
    assert response.status_code == 200 and response.is_json
    body = response.json
    assert {"total", "results", "facets", "suggestion"} <= set(body)
    assert body["total"] == 2 and body["suggestion"] is None
    assert body["page"] == 1 and body["per_page"] == 20 and body["partial"] is False
    first = body["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["id"] == world.rye.id
    assert first["title"] == "Rye sourdough bread"
    assert first["coop"] == {"slug": "kornblume", "name": "Kornblume Bakery"}
    assert first["price"] == {"amount": 450, "currency": "EUR"}
    assert sorted(first["labels"]) == ["fair-trade", "organic"]
    assert first["url"] == f"http://localhost/listings/{world.rye.id}"
    assert "&lt;b&gt;Crusty" in first["snippet"] and "<b>" not in first["snippet"]
    assert set(body["facets"]) == set(FACETS)
    assert body["facets"]["label"] == {"organic": 2, "fair-trade": 1}
    assert body["facets"]["category"] == {"food": 2, "bread": 2}
    assert body["facets"]["coop"] == {"kornblume": 2}
    assert body["facets"]["currency"] == {"EUR": 2}


def test_filters_sorting_and_paging_work_as_on_the_page(client, world):
    both = client.get("/api/v1/search?label=organic&label=fair-trade").json
    assert [r["title"] for r in both["results"]] == ["Rye sourdough bread"]
    # The label facet counts what adding each label would leave.
    assert both["facets"]["label"] == {"organic": 1, "fair-trade": 1}
    priced = client.get("/api/v1/search?coop=kornblume&sort=price_desc&per_page=2&page=2").json
    assert priced["total"] == 3
    assert [r["title"] for r in priced["results"]] == ["Rye sourdough bread"]
    cheap = client.get("/api/v1/search?min_price=0&max_price=600&currency=eur").json
    assert {r["title"] for r in cheap["results"]} == {"Rye sourdough bread", "Spelt bread"}
    services = client.get("/api/v1/search?kind=service&region=Skåne").json
    assert [r["price"] for r in services["results"]] == [{"amount": 30000, "currency": "SEK"}]


def test_snippets_mark_the_words_found(client, world):
    body = client.get("/api/v1/search?q=organic+spelt").json
    assert [r["title"] for r in body["results"]] == ["Spelt bread"]
    assert "<mark>organic</mark>" in body["results"][0]["snippet"]


def test_a_typo_gets_a_suggestion(client, world):
    body = client.get("/api/v1/search?q=bred").json
    assert body["suggestion"] == "bread"


def test_unknown_slugs_find_nothing(client, world):
    body = client.get("/api/v1/search?label=nope&coop=nobody").json
    assert body["total"] == 0 and body["results"] == []
    assert body["facets"]["label"] == {"nope": 0}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("page=abc", "page number"),
        ("page=501", "page number"),
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("sort=foo", "Sort by one of"),
        ("min_price=-1", "min_price"),
        ("max_price=12.50", "max_price"),
        ("min_price=900&max_price=100", "highest price is below the lowest"),
        ("condition=broken", "condition must be one of"),
        ("currency=XYZ", "currency must be one of"),
        ("label=" + "x" * 200, "too long"),
    ],
)
def test_bad_values_are_a_400_with_a_clear_message(client, world, query, words):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.json["code"] == "bad_request"
    assert words in response.json["message"]


@pytest.mark.parametrize(
    "typed", ['"fair trade', "OR", "*", "x" * 5000, "\x00\x1b[31m", "-bread", "bread*"]
)
def test_odd_queries_never_fail(client, world, typed):
    response = client.get("/api/v1/search", query_string={"q": typed})
    assert response.status_code == 200
    assert isinstance(response.json["results"], list)


def test_the_search_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/search"]["get"]
    assert operation["tags"] == ["Search"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert set(names) == {
        "q",
        "label",
        "category",
        "coop",
        "region",
        "kind",
        "condition",
        "currency",
        "min_price",
        "max_price",
        "sort",
        "page",
        "per_page",
    }
    assert names["label"]["schema"]["type"] == "array" and names["label"]["explode"] is True
    assert names["sort"]["schema"]["enum"] == ["relevance", "price_asc", "price_desc", "newest"]
    assert names["min_price"]["schema"]["type"] == "integer"
    assert {"200", "400", "503"} <= set(operation["responses"])
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/SearchResults"}
    schemas = spec["components"]["schemas"]
    assert {"total", "results", "facets", "suggestion"} <= set(schemas["SearchResults"]["required"])
    assert set(schemas["SearchHit"]["properties"]) == RESULT_KEYS
    assert set(schemas["Facets"]["properties"]) == set(FACETS)
    assert "search" in client.get("/api/v1/docs").get_data(as_text=True).lower()
