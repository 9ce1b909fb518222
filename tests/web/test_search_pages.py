"""The shop's search page and the search box's autocomplete, on the real engine."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.models import Condition, ListingKind
from marketplace.services.search_documents import all_documents
from marketplace.services.search_index import get_backend
from search.backend import SearchError, SearchResult
from tests.factories import make_category, make_coop, make_listing
from tests.verified_label_factories import make_claim, make_labelled


@dataclass
class World:
    organic: object
    fair_trade: object
    rye: object
    spelt: object
    honey: object
    bike: object
    workshop: object


def build_world() -> World:
    """Two co-ops, a small category tree, two labels; the index built from the database."""
    food = make_category(name="Food & Drink", slug="food")
    bread = make_category(name="Bread", slug="bread", parent=food)
    bikes = make_category(name="Bikes", slug="bikes")
    bakery = make_coop(name="Kornblume Bakery", slug="kornblume", region="Berlin")
    cyklar = make_coop(name="Cykelköket", slug="cykelkoket", region="Skåne", country="SE")
    organic = make_labelled(name="Organic", slug="organic", position=1)
    fair_trade = make_labelled(name="Fair Trade", slug="fair-trade", position=2)
    rye = make_listing(
        coop=bakery,
        category=bread,
        title="Rye sourdough bread",
        description="Baked with organic rye flour and a slow sourdough. <b>Crusty</b> & dark.",
        price_amount=450,
        region="Berlin",
    )
    spelt = make_listing(
        coop=bakery,
        category=bread,
        title="Spelt bread",
        description="A light bread of organic spelt.",
        price_amount=600,
        region="Berlin",
    )
    honey = make_listing(
        coop=bakery,
        category=food,
        title="Wildflower honey",
        description="Honey from hives at the edge of Berlin.",
        price_amount=900,
        region="Berlin",
    )
    bike = make_listing(
        coop=cyklar,
        category=bikes,
        title="Refurbished city bike",
        description="A sturdy bike, checked and repaired in our workshop.",
        price_amount=250000,
        currency="SEK",
        condition=Condition.USED,
        region="Skåne",
        language="sv",
    )
    workshop = make_listing(
        coop=cyklar,
        category=bikes,
        title="Bike repair workshop",
        description="Learn to fix your own bike in an evening.",
        kind=ListingKind.SERVICE,
        price_amount=30000,
        currency="SEK",
        capacity=8,
        region="Skåne",
    )
    make_claim(organic, bakery, rye)
    make_claim(fair_trade, bakery, rye)
    make_claim(organic, bakery, spelt)
    make_claim(fair_trade, bakery, honey)
    get_backend().rebuild(all_documents())
    return World(organic, fair_trade, rye, spelt, honey, bike, workshop)


@pytest.fixture
def world(app) -> World:
    return build_world()


def page_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def titles(text: str) -> list[str]:
    """Result titles in the order shown."""
    return [html.unescape(t) for t in re.findall(r'<h3 class="card-title">([^<]*)</h3>', text)]


def links(text: str, css_class: str) -> list[str]:
    """Hrefs of the links with this class, unescaped."""
    pattern = rf'<a class="[^"]*\b{css_class}\b[^"]*" href="([^"]*)"'
    return [html.unescape(href) for href in re.findall(pattern, text)]


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_search_page_shows_results_with_facets_and_counts(client, world):
    text = page_of(client, "/search?q=bread")
    assert titles(text) == ["Rye sourdough bread", "Spelt bread"] or set(titles(text)) == {
        "Rye sourdough bread",
        "Spelt bread",
    }
    assert "2 offers found" in text
    assert "Wildflower honey" not in text
    assert "Results for “bread”" in text
    # Facets show names, not slugs, with counts; labels are explained as verified.
    assert "Verified labels" in text and "Checked by the federation" in text
    options = re.findall(
        r'<span class="facet-name">([^<]*)</span>\s*<span class="facet-count">(\d+)</span>', text
    )
    shown = {html.unescape(name.strip()): int(count) for name, count in options}
    assert shown["Organic"] == 2
    assert shown["Fair Trade"] == 1
    assert shown["Food & Drink"] == 2
    assert shown["Kornblume Bakery"] == 2
    # Result cards: co-op, money formatting, verified badges, snippet with marks.
    assert "Kornblume Bakery" in text
    assert "€4.50" in text
    assert 'class="verified-badge"' in text
    assert "<mark>" in text


def test_the_snippet_is_escaped_html(client, world):
    text = page_of(client, "/search?q=crusty")
    assert titles(text) == ["Rye sourdough bread"]
    assert "<b>Crusty</b>" not in text
    assert "&lt;b&gt;" in text


def test_browsing_without_words_lists_everything_newest_first(client, world):
    text = page_of(client, "/search")
    assert "All offers" in text
    assert "5 offers found" in text
    assert len(titles(text)) == 5


def test_two_labels_find_only_listings_verified_for_both(client, world):
    text = page_of(client, "/search?label=organic&label=fair-trade")
    assert titles(text) == ["Rye sourdough bread"]
    assert "2 chosen" in text


def test_filters_of_one_kind_combine_with_or_and_a_parent_category_finds_its_children(
    client, world
):
    assert set(titles(page_of(client, "/search?category=food"))) == {
        "Rye sourdough bread",
        "Spelt bread",
        "Wildflower honey",
    }
    text = page_of(client, "/search?coop=kornblume&coop=cykelkoket&kind=service")
    assert titles(text) == ["Bike repair workshop"]
    assert titles(page_of(client, "/search?condition=used")) == ["Refurbished city bike"]
    assert set(titles(page_of(client, "/search?region=Skåne"))) == {
        "Refurbished city bike",
        "Bike repair workshop",
    }


def test_sorting_by_price_orders_the_results(client, world):
    up = titles(page_of(client, "/search?coop=kornblume&sort=price_asc"))
    assert up == ["Rye sourdough bread", "Spelt bread", "Wildflower honey"]
    down = titles(page_of(client, "/search?coop=kornblume&sort=price_desc"))
    assert down == list(reversed(up))


def test_the_sort_control_works_without_javascript(client, world):
    text = page_of(client, "/search?q=bread&label=organic&sort=price_desc")
    form = re.search(r'<form method="get" action="/search" class="sort-form".*?</form>', text, re.S)
    assert form is not None
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[0]))
    assert hidden == {"q": "bread", "label": "organic"}
    assert re.search(r'<option value="price_desc" selected>', form[0])
    assert 'type="submit"' in form[0]


def test_a_price_range_filters_and_typed_prices_become_minor_units(client, world):
    text = page_of(client, "/search?coop=kornblume&min_price=500&max_price=900")
    assert set(titles(text)) == {"Spelt bread", "Wildflower honey"}
    assert "From 5.00" in text and "Up to 9.00" in text
    # The form sends what buyers type; the address they share says minor units.
    response = client.get("/search?q=bread&label=organic&min=4,50&max=6")
    assert response.status_code == 302
    assert params(response.headers["Location"]) == {
        "q": ["bread"],
        "label": ["organic"],
        "min_price": ["450"],
        "max_price": ["600"],
    }
    # Emptying a field removes the bound.
    response = client.get("/search?q=bread&min_price=450&min=&max=")
    assert params(response.headers["Location"]) == {"q": ["bread"]}
    # With one currency chosen, the form shows its amounts and the chips its symbol.
    text = page_of(client, "/search?currency=SEK&max_price=100000")
    assert titles(text) == ["Bike repair workshop"]
    assert 'name="max" inputmode="decimal"' in text and 'value="1000"' in text
    assert "Up to SEK" in text or "Up to kr" in text


def test_each_chosen_filter_has_a_link_that_removes_only_it(client, world):
    text = page_of(
        client, "/search?q=bread&label=organic&label=fair-trade&min_price=100&sort=price_asc"
    )
    removals = [params(href) for href in links(text, "chip-remove")]
    base = {"q": ["bread"], "sort": ["price_asc"]}
    assert {**base, "label": ["fair-trade"], "min_price": ["100"]} in removals
    assert {**base, "label": ["organic"], "min_price": ["100"]} in removals
    assert {**base, "label": ["organic", "fair-trade"]} in removals
    assert len(removals) == 3
    clear = links(text, "clear-filters")
    assert [params(href) for href in clear] == [base]
    # Chosen values in the sidebar are checked and link to their own removal.
    chosen = links(text, "is-chosen")
    assert {tuple(params(href)["label"]) for href in chosen} == {("fair-trade",), ("organic",)}


def test_did_you_mean_links_to_the_corrected_search(client, world):
    text = page_of(client, "/search?q=bred&label=organic")
    match = re.search(r'Did you mean <a href="([^"]+)"[^>]*>([^<]+)</a>', text)
    assert match is not None, text
    assert match[2] == "bread"
    assert params(html.unescape(match[1])) == {"q": ["bread"], "label": ["organic"]}


def test_an_empty_result_says_what_was_searched_and_offers_ways_out(client, world):
    text = page_of(client, "/search?q=zeppelin&label=organic&coop=kornblume")
    assert "No offers found" in text
    assert "Nothing matches “zeppelin” with the filters you chose." in text
    assert "Remove the filter “Organic”" in text
    assert "Remove the filter “Kornblume Bakery”" in text
    assert "Search all offers for “zeppelin”" in text
    assert "Check the spelling" in text
    # Labels and categories to browse instead.
    assert "Browse by verified label" in text and "Browse by category" in text
    assert 'href="/search?label=fair-trade"' in text
    assert 'href="/search?category=food"' in text


def test_an_empty_result_without_filters_has_no_filter_panel(client, world):
    text = page_of(client, "/search?q=zeppelin")
    assert "Nothing matches “zeppelin”." in text
    assert 'class="search-filters"' not in text and "Remove the filter" not in text
    assert "Browse by verified label" in text


def test_a_page_past_the_end_offers_the_first_page(client, world):
    text = page_of(client, "/search?q=bread&page=7")
    assert "past the last page" in text
    assert 'href="/search?q=bread"' in text


def test_the_pager_keeps_the_search(client, world):
    text = page_of(client, "/search?coop=kornblume&sort=price_asc&per_page=1")
    assert "Page 1 of 3" in text
    assert titles(text) == ["Rye sourdough bread"]
    following = re.search(r'<a rel="next" href="([^"]+)"', text)
    assert following is not None
    assert params(html.unescape(following[1])) == {
        "coop": ["kornblume"],
        "sort": ["price_asc"],
        "per_page": ["1"],
        "page": ["2"],
    }
    assert titles(page_of(client, html.unescape(following[1]))) == ["Spelt bread"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "The page number must be a whole number from 1 to 500."),
        ("page=0", "The page number must be a whole number from 1 to 500."),
        ("per_page=1000", "per_page must be a whole number from 1 to 100."),
        ("sort=foo", "Sort by one of: relevance, price_asc, price_desc, newest."),
        ("min_price=-1", "min_price must be a whole number of minor units"),
        ("min_price=900&max_price=100", "The highest price is below the lowest price."),
        ("kind=gadget", "kind must be one of: good, service."),
        ("min=ten", "“ten” is not a price"),
        ("max=1.234", "“1.234” is not a price"),
    ],
)
def test_bad_parameters_get_a_400_page_that_says_what_is_wrong(client, world, query, message):
    text = page_of(client, f"/search?q=bread&{query}", status=400)
    assert "Please check your search" in html.unescape(text)
    assert message in html.unescape(text)


@pytest.mark.parametrize(
    "typed",
    ['"unbalanced', "AND", "*", "-", "x" * 5000, "bread\x00\x07", "((( ]]]", "a*"],
)
def test_odd_queries_answer_a_page_never_an_error(client, world, typed):
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200


def test_a_long_query_says_it_was_shortened(client, world):
    text = page_of(client, "/search?q=" + "bread%20" * 60)
    assert "only its first 200 characters were used" in text or "first 12 words" in text


def test_unknown_slugs_find_nothing_without_an_error(client, world):
    text = page_of(client, "/search?label=no-such-label&category=nowhere")
    assert "No offers found" in text


def test_the_header_has_a_search_box_on_every_page(client, world):
    text = page_of(client, "/")
    form = re.search(r'<form class="site-search" role="search".*?</form>', text, re.S)
    assert form is not None
    assert 'action="/search"' in form[0] and 'method="get"' in form[0]
    assert 'name="q"' in form[0] and 'data-suggest-url="/search/suggest"' in form[0]
    assert 'id="site-search-suggestions"' in form[0]
    assert "/static/search.js" in text
    # On the search page it shows what was searched.
    assert 'value="bread"' in page_of(client, "/search?q=bread")


def test_suggest_answers_co_op_names_then_titles_as_json(client, world):
    response = client.get("/search/suggest?q=kor")
    assert response.status_code == 200 and response.is_json
    assert response.json["suggestions"][0] == {
        "text": "Kornblume Bakery",
        "kind": "coop",
        "url": "/search?q=Kornblume+Bakery",
    }
    found = client.get("/search/suggest?q=bik").json["suggestions"]
    assert {s["text"] for s in found} >= {"Bike repair workshop"}
    assert all(s["kind"] in ("coop", "listing") for s in found)
    assert client.get("/search/suggest?q=k").json["suggestions"] == []
    assert client.get("/search/suggest").json["suggestions"] == []


class _StubEngine:
    """An engine that answers what a test tells it (for states the real one rarely reaches)."""

    name = "stub"

    def __init__(self, result: SearchResult | None = None, fail: bool = False) -> None:
        self.result, self.fail = result, fail

    def query(self, query):
        if self.fail:
            raise SearchError("index folder unreadable")
        return self.result

    def suggest(self, prefix, limit=8):
        raise SearchError("index folder unreadable")


def test_partial_results_and_parser_notices_are_shown(app, client, world):
    app.extensions["search_backend"] = _StubEngine(
        SearchResult(total=0, hits=[], partial=True, notices=("ignored_operators",))
    )
    text = page_of(client, "/search?q=bread")
    assert "Results may be incomplete" in text
    assert "Words like AND, OR and NOT" in text


def test_an_engine_failure_is_a_503_page_and_autocomplete_stays_quiet(app, client, world):
    app.extensions["search_backend"] = _StubEngine(fail=True)
    text = page_of(client, "/search?q=bread", status=503)
    assert "Search is unavailable right now" in text
    assert client.get("/search/suggest?q=bread").json["suggestions"] == []
