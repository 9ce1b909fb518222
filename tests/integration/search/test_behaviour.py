"""What every search engine must do, the same on Whoosh and on PostgreSQL.

One test per agreed behaviour (see search/backend.py and the Search section of DESIGN.md);
each builds a small index of its own from `doc()` values.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest

from search.backend import SORTS, Drift, Hit, SearchResult, Suggestion, check
from tests.integration.search.conftest import BASE_TIME, doc, found, ids, search

# --- words and fields ---------------------------------------------------------------------


def test_every_word_of_the_query_must_match(search_backend):
    search_backend.index(
        [doc(1, "Oak chair"), doc(2, "Oak table"), doc(3, "Pine chair"), doc(4, "Oak stool")]
    )
    assert found(search_backend, "oak chair") == {1}
    assert found(search_backend, "oak") == {1, 2, 4}


def test_the_words_of_a_query_may_match_in_different_fields(search_backend):
    search_backend.index(
        [
            doc(1, "Dining chair", description="Solid oak, oiled by hand."),
            doc(2, "Dining chair", description="Solid pine, painted."),
        ]
    )
    assert found(search_backend, "oak chair") == {1}


def test_the_title_is_searched(search_backend):
    search_backend.index([doc(1, "Sourdough loaf"), doc(2, "Rye crackers")])
    assert found(search_backend, "sourdough") == {1}


def test_the_description_is_searched(search_backend):
    search_backend.index(
        [
            doc(1, "Loaf", description="Baked with a wild sourdough starter."),
            doc(2, "Loaf", description="Baked with fresh yeast."),
        ]
    )
    assert found(search_backend, "sourdough") == {1}


def test_the_coop_name_is_searched(search_backend):
    search_backend.index(
        [
            doc(1, "Loaf", coop_slug="backstube", coop_name="Backstube Mur"),
            doc(2, "Loaf"),
        ]
    )
    assert found(search_backend, "backstube") == {1}


def test_category_names_are_searched_including_parent_categories(search_backend):
    search_backend.index(
        [
            doc(
                1,
                "Carbon frame",
                category_path=("bikes-mobility", "bicycles"),
                category_names=("Bikes & Mobility", "Bicycles"),
            ),
            doc(2, "Carbon frame"),
        ]
    )
    assert found(search_backend, "bicycles") == {1}
    assert found(search_backend, "mobility") == {1}


def test_label_names_are_searched(search_backend):
    search_backend.index(
        [
            doc(1, "Ground coffee", labels=("fair-trade",), label_names=("Fair Trade",)),
            doc(2, "Ground coffee"),
        ]
    )
    assert found(search_backend, "fair trade coffee") == {1}


def test_words_are_matched_case_insensitively(search_backend):
    search_backend.index([doc(1, "HANDMADE Oak Chair"), doc(2, "Pine chair")])
    assert found(search_backend, "handmade OAK") == {1}


def test_a_word_written_with_a_hyphen_matches_its_parts(search_backend):
    search_backend.index([doc(1, "Organic cotton T-shirt"), doc(2, "Organic cotton hoodie")])
    assert found(search_backend, "t-shirt") == {1}


# --- ranking ------------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_description_match(search_backend):
    search_backend.index(
        [
            doc(1, "Garden bench", description="Made of oak from an old barn."),
            doc(2, "Oak bench", description="Made from an old barn door."),
        ]
    )
    assert ids(search(search_backend, "oak")) == [2, 1]


def test_a_coop_name_match_ranks_above_a_description_match(search_backend):
    search_backend.index(
        [
            doc(1, "Garden bench", description="Made of birch from an old barn."),
            doc(2, "Garden bench", description="Made from an old barn door.", coop_name="Birch"),
        ]
    )
    assert ids(search(search_backend, "birch")) == [2, 1]


def test_a_category_match_ranks_above_a_description_match(search_backend):
    search_backend.index(
        [
            doc(1, "Garden bench", description="Goes well with furniture of any age."),
            doc(
                2,
                "Garden bench",
                description="Goes well with a table of any age.",
                category_path=("furniture",),
                category_names=("Furniture",),
            ),
        ]
    )
    assert ids(search(search_backend, "furniture")) == [2, 1]


def test_hits_carry_a_score(search_backend):
    search_backend.index([doc(1, "Oak chair")])
    hits = search(search_backend, "oak").hits
    assert len(hits) == 1 and isinstance(hits[0], Hit) and hits[0].score > 0


# --- stemming -----------------------------------------------------------------------------


def test_an_english_plural_finds_the_singular(search_backend):
    search_backend.index([doc(1, "Refurbished city bike"), doc(2, "Bike lights")])
    search_backend.index([doc(3, "Bike bell"), doc(4, "Rain jacket")])
    assert found(search_backend, "bikes") == {1, 2, 3}


def test_an_english_singular_finds_the_plural(search_backend):
    search_backend.index([doc(1, "Two children's bicycles"), doc(2, "Tricycle")])
    assert found(search_backend, "bicycle") == {1}


def test_a_german_plural_with_umlaut_finds_the_singular(search_backend):
    search_backend.index(
        [
            doc(1, "Gebrauchtes Fahrrad", language="de"),
            doc(2, "Holzstuhl aus Eiche", description="Ein Stuhl für jeden Tag.", language="de"),
            doc(3, "Gebrauchtes Auto", language="de"),
        ]
    )
    assert found(search_backend, "Fahrräder") == {1}
    assert found(search_backend, "Stühle") == {2}


def test_a_german_word_may_be_typed_without_umlaut_or_sharp_s(search_backend):
    search_backend.index(
        [
            doc(1, "Brötchen vom Vortag", language="de"),
            doc(2, "Stadtplan", description="Jede Straße in Altona.", language="de"),
        ]
    )
    assert found(search_backend, "brotchen") == {1}
    assert found(search_backend, "strasse") == {2}


def test_a_swedish_plural_and_definite_form_find_the_singular(search_backend):
    search_backend.index(
        [doc(1, "Stol i björk", language="sv"), doc(2, "Bord i ek", language="sv")]
    )
    assert found(search_backend, "stolar") == {1}
    assert found(search_backend, "stolen") == {1}


def test_a_swedish_word_finds_its_other_inflections(search_backend):
    search_backend.index(
        [
            doc(1, "Kaffebönor från Etiopien", language="sv"),
            doc(2, "Ullfiltar i grått", language="sv"),
        ]
    )
    assert found(search_backend, "kaffeböna") == {1}
    assert found(search_backend, "ullfilt") == {2}


def test_a_listing_is_stemmed_in_its_own_language_only(search_backend):
    search_backend.index(
        [
            doc(1, "Stolen bike report", description="Help for the police report."),
            doc(2, "Stol i björk", language="sv"),
        ]
    )
    # Swedish would stem "stolen" to "stol"; the English listing is stemmed as English
    assert found(search_backend, "stol") == {2}
    assert found(search_backend, "stolar") == {2}
    assert found(search_backend, "stolen") == {1, 2}


# --- typos --------------------------------------------------------------------------------


def test_a_misspelt_word_finds_the_listing(search_backend):
    search_backend.index([doc(1, "Coffee beans"), doc(2, "Tea leaves")])
    assert found(search_backend, "cofee") == {1}


def test_a_long_word_tolerates_two_typos(search_backend):
    search_backend.index([doc(1, "Refurbished laptop"), doc(2, "New laptop")])
    assert found(search_backend, "refubrished") == {1}


def test_a_typo_is_corrected_even_if_another_languages_stemmer_makes_it_a_known_stem(
    search_backend,
):
    search_backend.index(
        [
            doc(1, "Fahrrad-Stadtplan Hamburg", language="de"),
            doc(2, "Hafenkalender", description="Mit Fähren und Kränen.", language="de"),
        ]
    )
    # Swedish stems "fahrad" to "fahr", the German stem of "Fähren": a stem only counts in
    # listings of its own language, so "fahrad" is no known word and is corrected
    assert found(search_backend, "Fahrad") == {1}


def test_a_common_word_found_in_a_listing_is_no_typo(search_backend):
    search_backend.index(
        [
            doc(1, "Puncture repair while you wait"),
            doc(2, "Whole beans"),
            doc(3, "Brezeln", description="Auf Wunsch auch ohne Salz.", language="de"),
            doc(4, "One-day course"),
        ]
    )
    result = search(search_backend, "repair while you wait")
    assert ids(result) == [1] and result.suggestion is None
    assert found(search_backend, "while") == {1}
    result = search(search_backend, "Brezeln ohne Salz")
    assert ids(result) == [3] and result.suggestion is None
    assert found(search_backend, "ohne") == {3}


def test_a_word_of_four_to_seven_letters_tolerates_one_typo_only(search_backend):
    search_backend.index([doc(1, "Coffee beans")])
    assert found(search_backend, "cofea") == set()


def test_a_word_of_three_letters_is_not_corrected(search_backend):
    search_backend.index([doc(1, "Pan set"), doc(2, "Oak table")])
    assert found(search_backend, "pen") == set()


def test_a_word_that_exists_is_not_fuzzed_so_exact_matches_are_not_drowned(search_backend):
    search_backend.index(
        [doc(1, "City bike"), doc(2, "Bake sale"), doc(3, "Road bike"), doc(4, "Baked beans")]
    )
    assert found(search_backend, "bike") == {1, 3}
    assert found(search_backend, "bake") == {2, 4}


def test_a_corrected_word_gives_a_did_you_mean_suggestion(search_backend):
    search_backend.index([doc(1, "Coffee beans"), doc(2, "Tea leaves")])
    result = search(search_backend, "cofee beans")
    assert ids(result) == [1]
    assert result.suggestion is not None
    assert result.suggestion.casefold() == "coffee beans"


def test_a_query_that_finds_plenty_gets_no_suggestion(search_backend):
    search_backend.index(
        [doc(1, "Coffee beans"), doc(2, "Ground coffee"), doc(3, "Coffee filter"), doc(4, "Toffee")]
    )
    result = search(search_backend, "coffee")
    assert result.total == 3 and result.suggestion is None


def test_a_query_that_finds_little_suggests_a_correction_that_finds_more(search_backend):
    search_backend.index(
        [
            doc(1, "Bake sale"),
            doc(2, "City bike"),
            doc(3, "Road bike"),
            doc(4, "Cargo bike"),
            doc(5, "Kids bike"),
        ]
    )
    result = search(search_backend, "bake")
    assert ids(result) == [1]
    assert result.suggestion is not None and result.suggestion.casefold() == "bike"


# --- phrases, exclusions, prefixes --------------------------------------------------------


def test_a_phrase_needs_its_words_next_to_each_other_in_order(search_backend):
    search_backend.index(
        [
            doc(1, "Fair trade coffee"),
            doc(2, "Coffee at a fair price from a direct trade"),
            doc(3, "Trade fair coffee stand"),
        ]
    )
    assert found(search_backend, '"fair trade"') == {1}


def test_a_phrase_is_found_in_the_description(search_backend):
    search_backend.index(
        [
            doc(1, "Ground coffee", description="Roasted in small batches every Tuesday."),
            doc(2, "Ground coffee", description="Small roasts, batches of ten."),
        ]
    )
    assert found(search_backend, '"small batches"') == {1}


def test_a_phrase_matches_stemmed_words(search_backend):
    search_backend.index([doc(1, "Refurbished bikes for commuters"), doc(2, "Bikes refurbished")])
    assert found(search_backend, '"refurbished bike"') == {1}


def test_a_phrase_and_a_word_combine(search_backend):
    search_backend.index(
        [doc(1, "Fair trade coffee"), doc(2, "Fair trade tea"), doc(3, "Trade fair coffee")]
    )
    assert found(search_backend, '"fair trade" coffee') == {1}


def test_an_excluded_word_removes_the_listings_that_contain_it(search_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Pine chair"), doc(3, "Oak table")])
    assert found(search_backend, "chair -pine") == {1}


def test_an_excluded_word_is_looked_for_in_every_text_field(search_backend):
    search_backend.index(
        [
            doc(1, "Chair"),
            doc(2, "Chair", description="Painted pine."),
            doc(3, "Chair", coop_name="Pine Makers"),
            doc(4, "Chair", category_path=("pine",), category_names=("Pine Furniture",)),
            doc(5, "Chair", labels=("pine",), label_names=("Pine Certified",)),
        ]
    )
    assert found(search_backend, "chair -pine") == {1}


def test_an_excluded_word_is_stemmed_like_any_other(search_backend):
    search_backend.index([doc(1, "Oak chairs"), doc(2, "Oak table")])
    assert found(search_backend, "oak -chair") == {2}


def test_a_trailing_star_finds_every_word_starting_with_it(search_backend):
    search_backend.index(
        [
            doc(1, "Sourdough bread"),
            doc(2, "Sour cherries"),
            doc(3, "Sweet bread", description="With sourcream icing."),
            doc(4, "Rye bread"),
        ]
    )
    assert found(search_backend, "sour*") == {1, 2, 3}


def test_a_prefix_finds_common_words_too(search_backend):
    search_backend.index(
        [
            doc(1, "Children's bike", description="For children of about 8 to 11 years."),
            doc(2, "Pumpkin, about 1.5 kg"),
            doc(3, "Abacus"),
        ]
    )
    assert found(search_backend, "abou*") == {1, 2}


def test_a_prefix_combines_with_other_words(search_backend):
    search_backend.index([doc(1, "Sourdough bread"), doc(2, "Sour cherries"), doc(3, "Rye bread")])
    assert found(search_backend, "sour* bread") == {1}


# --- browsing and filters -----------------------------------------------------------------


def test_an_empty_query_lists_everything_newest_first(search_backend):
    search_backend.index(
        [
            doc(1, "Oak chair", created_at=BASE_TIME + timedelta(days=5)),
            doc(2, "Pine chair", created_at=BASE_TIME + timedelta(days=9)),
            doc(3, "Oak table", created_at=BASE_TIME + timedelta(days=1)),
        ]
    )
    result = search(search_backend, "")
    assert result.total == 3
    assert ids(result) == [2, 1, 3]


def test_a_query_of_operators_only_is_browsing(search_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Pine chair")])
    assert found(search_backend, "AND * ~") == {1, 2}


def test_an_empty_query_with_filters_lists_what_passes_them(search_backend):
    search_backend.index(
        [
            doc(1, "Oak chair", coop_slug="ekhagen"),
            doc(2, "Pine chair"),
            doc(3, "Oak table", coop_slug="ekhagen"),
        ]
    )
    assert found(search_backend, "", coops=("ekhagen",)) == {1, 3}


def test_every_chosen_label_must_be_verified_on_the_listing(search_backend):
    search_backend.index(
        [
            doc(1, "Coffee", labels=("fair-trade", "organic")),
            doc(2, "Coffee", labels=("fair-trade",)),
            doc(3, "Coffee", labels=("organic",)),
            doc(4, "Coffee"),
        ]
    )
    assert found(search_backend, "", labels=("fair-trade",)) == {1, 2}
    assert found(search_backend, "", labels=("fair-trade", "organic")) == {1}


def test_a_label_name_in_the_text_does_not_count_as_a_verified_label(search_backend):
    search_backend.index(
        [
            doc(1, "Organic coffee", labels=(), label_names=()),
            doc(2, "Coffee", labels=("organic",), label_names=("Organic",)),
        ]
    )
    assert found(search_backend, "coffee", labels=("organic",)) == {2}


@pytest.mark.parametrize(
    ("facet", "field", "values"),
    [
        ("coops", "coop_slug", ("alder", "birch", "cedar")),
        ("regions", "region", ("Malmö", "Graz", "Växjö, Småland")),
        ("kinds", "kind", ("good", "service", "service")),
        ("conditions", "condition", ("new", "used", "refurbished")),
        ("currencies", "currency", ("EUR", "SEK", "GBP")),
    ],
)
def test_values_chosen_within_a_facet_are_alternatives(search_backend, facet, field, values):
    search_backend.index([doc(i, "Chair", **{field: v}) for i, v in enumerate(values, start=1)])
    first, second, third = values
    expected_first = {i for i, v in enumerate(values, start=1) if v == first}
    assert found(search_backend, "chair", **{facet: (first,)}) == expected_first
    either = {i for i, v in enumerate(values, start=1) if v in (first, second)}
    assert found(search_backend, "", **{facet: (first, second)}) == either


def test_different_facets_combine_with_and(search_backend):
    search_backend.index(
        [
            doc(1, "Chair", coop_slug="birch", condition="used"),
            doc(2, "Chair", coop_slug="birch", condition="new"),
            doc(3, "Chair", coop_slug="cedar", condition="used"),
        ]
    )
    assert found(search_backend, "chair", coops=("birch",), conditions=("used",)) == {1}


def test_a_category_filter_includes_its_subcategories(search_backend):
    search_backend.index(
        [
            doc(1, "Frame", category_path=("bikes-mobility", "bicycles")),
            doc(2, "Bell", category_path=("bikes-mobility", "bike-parts")),
            doc(3, "Bag", category_path=("bikes-mobility",)),
            doc(4, "Chair", category_path=("home-garden", "furniture")),
        ]
    )
    assert found(search_backend, "", categories=("bikes-mobility",)) == {1, 2, 3}
    assert found(search_backend, "", categories=("bicycles",)) == {1}
    assert found(search_backend, "", categories=("bicycles", "furniture")) == {1, 4}


def test_price_bounds_are_inclusive(search_backend):
    search_backend.index(
        [
            doc(i, "Chair", price_amount=price)
            for i, price in enumerate((999, 1000, 1500, 2000, 2001), 1)
        ]
    )
    assert found(search_backend, "", min_price=1000, max_price=2000) == {2, 3, 4}
    assert found(search_backend, "chair", min_price=2000) == {4, 5}
    assert found(search_backend, "", max_price=1000) == {1, 2}
    assert found(search_backend, "", min_price=1500, max_price=1500) == {3}


def test_filters_narrow_a_text_search(search_backend):
    search_backend.index(
        [
            doc(1, "Oak chair", region="Graz", price_amount=5000),
            doc(2, "Oak chair", region="Malmö", price_amount=5000),
            doc(3, "Oak chair", region="Graz", price_amount=50000),
            doc(4, "Pine chair", region="Graz", price_amount=5000),
        ]
    )
    assert found(search_backend, "oak", regions=("Graz",), max_price=10000) == {1}


# --- facet counts -------------------------------------------------------------------------

_FOOD, _COFFEE, _BREAD = ("food",), ("food", "coffee-tea"), ("food", "bread")
_FURNITURE = ("home", "furniture")
_NAMES = {
    _FOOD: ("Food",),
    _COFFEE: ("Food", "Coffee & Tea"),
    _BREAD: ("Food", "Bread"),
    _FURNITURE: ("Home", "Furniture"),
}


def _shop() -> list:
    """Eight listings of three co-ops, with known labels, categories and places."""
    rows = [
        # id, title, category, coop, labels, region, kind, condition, currency, price
        (1, "Ethiopia coffee beans", _COFFEE, "a", ("fair-trade", "organic"), "Malmö", "good",
         "new", "SEK", 1000),
        (2, "Colombia coffee beans", _COFFEE, "a", ("fair-trade",), "Malmö", "good", "new",
         "SEK", 2000),
        (3, "Peru coffee beans", _COFFEE, "b", ("organic",), "Graz", "good", "new", "EUR", 1500),
        (4, "Rye bread", _BREAD, "b", ("organic",), "Graz", "good", "new", "EUR", 500),
        (5, "Spelt bread", _BREAD, "b", (), "Graz", "good", "new", "EUR", 700),
        (6, "Oak chair", _FURNITURE, "c", (), "Växjö", "good", "used", "SEK", 90000),
        (7, "Chair restoration", _FURNITURE, "c", (), "Växjö", "service", "new", "SEK", 50000),
        (8, "Coffee gift hamper", _FOOD, "a", ("fair-trade",), "Malmö", "good", "new", "SEK",
         3000),
    ]  # fmt: skip
    names = {"fair-trade": "Fair Trade", "organic": "Organic"}
    return [
        doc(
            i,
            title,
            category_path=path,
            category_names=_NAMES[path],
            coop_slug=coop,
            coop_name=f"Co-op {coop.upper()}",
            labels=labels,
            label_names=tuple(names[slug] for slug in labels),
            region=region,
            kind=kind,
            condition=condition,
            currency=currency,
            price_amount=price,
        )
        for i, title, path, coop, labels, region, kind, condition, currency, price in rows
    ]


def test_facet_counts_cover_every_facet_and_reflect_the_other_filters(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "", coops=("a",), facets=True)
    assert result.total == 3
    assert result.facets == {
        # the co-op facet ignores its own filter: what choosing each co-op would give
        "coop": {"a": 3, "b": 3, "c": 2},
        "label": {"fair-trade": 3, "organic": 1},
        "category": {"food": 3, "coffee-tea": 2},
        "region": {"Malmö": 3},
        "kind": {"good": 3},
        "condition": {"new": 3},
        "currency": {"SEK": 3},
    }


def test_label_counts_are_for_the_chosen_labels_plus_each_label(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "", labels=("organic",), categories=("food",), facets=True)
    assert result.total == 3
    assert result.facets["label"] == {"organic": 3, "fair-trade": 1}
    assert result.facets["category"] == {"food": 3, "coffee-tea": 2, "bread": 1}
    assert result.facets["coop"] == {"a": 1, "b": 2}
    assert result.facets["region"] == {"Malmö": 1, "Graz": 2}
    assert result.facets["currency"] == {"SEK": 1, "EUR": 2}


def test_a_listing_counts_under_its_category_and_every_parent(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "", facets=True)
    assert result.total == 8
    assert result.facets["category"] == {
        "food": 6,
        "coffee-tea": 3,
        "bread": 2,
        "home": 2,
        "furniture": 2,
    }
    assert result.facets["kind"] == {"good": 7, "service": 1}


def test_facet_counts_follow_the_text_query(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "coffee", regions=("Graz",), facets=True)
    assert ids(result) == [3]
    assert result.facets["region"] == {"Malmö": 3, "Graz": 1}
    assert result.facets["coop"] == {"b": 1}
    assert result.facets["label"] == {"organic": 1}


def test_facet_counts_follow_the_price_bounds(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "", min_price=1000, max_price=3000, facets=True)
    assert result.total == 4
    assert result.facets["coop"] == {"a": 3, "b": 1}
    assert result.facets["label"] == {"fair-trade": 3, "organic": 2}


def test_facet_counts_follow_a_corrected_word(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "cofee", facets=True)
    assert result.total == 4
    assert result.facets["coop"] == {"a": 3, "b": 1}
    assert result.facets["category"] == {"food": 4, "coffee-tea": 3}


def test_values_without_results_are_left_out_but_chosen_ones_are_kept(search_backend):
    search_backend.index(_shop())
    result = search(search_backend, "", coops=("c",), labels=("fair-trade",), facets=True)
    assert result.total == 0 and result.hits == []
    assert result.facets["label"] == {"fair-trade": 0}
    assert result.facets["coop"] == {"a": 3, "c": 0}
    assert "Växjö" not in result.facets.get("region", {})
    assert "organic" not in result.facets["label"]


# --- sorting and pages --------------------------------------------------------------------


def _same_text(*id_price_day: tuple[int, int, int]) -> list:
    return [
        doc(i, "Oak chair", price_amount=price, created_at=BASE_TIME + timedelta(days=day))
        for i, price, day in id_price_day
    ]


def test_relevance_ties_are_broken_by_lower_id_first(search_backend):
    search_backend.index(_same_text((5, 100, 1), (3, 100, 2), (9, 100, 3), (4, 100, 1)))
    assert ids(search(search_backend, "oak", sort="relevance")) == [3, 4, 5, 9]


def test_price_ascending_breaks_ties_by_lower_id_first(search_backend):
    search_backend.index(_same_text((5, 300, 1), (3, 200, 2), (9, 100, 3), (4, 300, 1)))
    assert ids(search(search_backend, "oak", sort="price_asc")) == [9, 3, 4, 5]


def test_price_descending_breaks_ties_by_lower_id_first(search_backend):
    search_backend.index(_same_text((5, 300, 1), (3, 200, 2), (9, 100, 3), (4, 300, 1)))
    assert ids(search(search_backend, "", sort="price_desc")) == [4, 5, 3, 9]


def test_newest_first_breaks_ties_by_higher_id_first(search_backend):
    search_backend.index(_same_text((5, 100, 2), (3, 100, 2), (9, 100, 1), (4, 100, 7)))
    assert ids(search(search_backend, "oak", sort="newest")) == [4, 5, 3, 9]


def test_a_sort_orders_every_result_not_only_the_best_matches(search_backend):
    search_backend.index(
        [
            doc(1, "Oak chair", description="Oak, oak and more oak.", price_amount=900),
            doc(2, "Chair", description="Oak legs.", price_amount=100),
            doc(3, "Oak", price_amount=500),
        ]
    )
    assert ids(search(search_backend, "oak", sort="price_asc")) == [2, 3, 1]


def test_every_sort_is_supported(search_backend):
    search_backend.index(_same_text((1, 100, 1), (2, 200, 2)))
    for sort in SORTS:
        assert sorted(ids(search(search_backend, "oak", sort=sort))) == [1, 2], sort


def test_a_sort_is_exact_over_hundreds_of_results_on_every_page(search_backend):
    count = 250
    search_backend.index(
        doc(
            i,
            "Oak chair",
            price_amount=1000 + (i * 37) % count,
            created_at=BASE_TIME + timedelta(hours=(i * 53) % count),
        )
        for i in range(1, count + 1)
    )
    by_price = sorted(range(1, count + 1), key=lambda i: ((i * 37) % count, i))
    by_age = sorted(range(1, count + 1), key=lambda i: ((i * 53) % count, i), reverse=True)
    for page in (1, 2, 3):
        cheap = search(search_backend, "oak chair", sort="price_asc", page=page, per_page=100)
        new = search(search_backend, "", sort="newest", page=page, per_page=100)
        assert cheap.total == new.total == count
        assert ids(cheap) == by_price[(page - 1) * 100 : page * 100]
        assert ids(new) == by_age[(page - 1) * 100 : page * 100]


def test_the_best_match_comes_first_among_hundreds_of_weaker_ones(search_backend):
    search_backend.index(
        doc(i, f"Garden item {i}", description="Made of oak and iron.") for i in range(1, 400)
    )
    search_backend.index([doc(400, "Oak bench", description="Made of iron.")])
    result = search(search_backend, "oak", per_page=5)
    assert result.total == 400
    assert ids(result)[0] == 400
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_a_page_is_a_slice_of_the_results_and_total_counts_them_all(search_backend):
    search_backend.index([doc(i, "Oak chair", price_amount=i * 100) for i in range(1, 26)])
    first = search(search_backend, "oak", sort="price_asc", per_page=10, page=1)
    third = search(search_backend, "oak", sort="price_asc", per_page=10, page=3)
    assert first.total == third.total == 25
    assert ids(first) == list(range(1, 11))
    assert ids(third) == list(range(21, 26))


def test_pages_of_a_relevance_search_do_not_overlap(search_backend):
    search_backend.index([doc(i, "Oak chair") for i in range(1, 13)])
    pages = [ids(search(search_backend, "oak", per_page=5, page=n)) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert sorted(sum(pages, [])) == list(range(1, 13))


def test_a_page_past_the_end_has_no_hits_but_the_total(search_backend):
    search_backend.index([doc(i, "Oak chair") for i in range(1, 4)])
    result = search(search_backend, "oak", per_page=10, page=7)
    assert isinstance(result, SearchResult)
    assert result.hits == [] and result.total == 3


# --- snippets -----------------------------------------------------------------------------


def _plain(snippet: str) -> str:
    return snippet.replace("<mark>", "").replace("</mark>", "")


def test_a_snippet_wraps_matched_words_in_mark(search_backend):
    search_backend.index(
        [doc(1, "Ground coffee", description="Our darkest roast, for espresso and moka pots.")]
    )
    snippet = search(search_backend, "espresso").hits[0].snippet
    assert "<mark>espresso</mark>" in snippet
    assert "moka" in snippet


def test_a_snippet_marks_every_query_word_and_stemmed_forms(search_backend):
    search_backend.index(
        [doc(1, "Bike", description="A city bike with new tyres, serviced by our mechanics.")]
    )
    snippet = search(search_backend, "bikes tyre").hits[0].snippet
    assert "<mark>bike</mark>" in snippet
    assert "<mark>tyres</mark>" in snippet


def test_a_snippet_escapes_html_from_the_description(search_backend):
    search_backend.index(
        [
            doc(
                1,
                "Coffee",
                description='Great <script>alert("x")</script> coffee & <b>tea</b> <mark>sale',
            )
        ]
    )
    snippet = search(search_backend, "coffee").hits[0].snippet
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<mark>coffee</mark>" in snippet
    # the only tags are the engine's own marks: "<mark>sale" from the text stays escaped
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<" not in _plain(snippet) and ">" not in _plain(snippet)


def test_a_snippet_escapes_html_when_browsing(search_backend):
    search_backend.index([doc(1, "Coffee", description="<img src=x onerror=alert(1)> beans")])
    snippet = search(search_backend, "").hits[0].snippet
    assert "<img" not in snippet and "&lt;img" in snippet


def test_a_snippet_shows_the_text_around_the_first_match_in_a_long_description(search_backend):
    description = "Filler words about the workshop. " * 30 + "The espresso roast. " + "More. " * 50
    search_backend.index([doc(1, "Coffee", description=description)])
    snippet = search(search_backend, "espresso").hits[0].snippet
    assert "<mark>espresso</mark>" in snippet
    assert len(_plain(snippet)) <= 260


def test_without_a_text_query_the_snippet_is_the_start_of_the_description(search_backend):
    description = "Hand-built in Växjö from local birch. " + "It will last decades. " * 20
    search_backend.index([doc(1, "Chair", description=description)])
    snippet = search(search_backend, "").hits[0].snippet
    assert snippet.startswith("Hand-built in Växjö from local birch.")
    assert "<mark>" not in snippet
    assert len(snippet) <= 200


def test_a_listing_without_a_description_has_an_empty_snippet(search_backend):
    search_backend.index([doc(1, "Oak chair", description="")])
    assert search(search_backend, "oak").hits[0].snippet == ""
    assert search(search_backend, "").hits[0].snippet == ""


def test_a_title_only_match_shows_the_start_of_the_description(search_backend):
    search_backend.index([doc(1, "Oak chair", description="Hand-built from local wood.")])
    snippet = search(search_backend, "oak").hits[0].snippet
    assert snippet.startswith("Hand-built from local wood.")
    assert "<mark>" not in snippet


# --- autocomplete -------------------------------------------------------------------------


def _bakery() -> list:
    return [
        doc(1, "Baking course for beginners", coop_name="Bakery Collective"),
        doc(2, "Sourdough baking kit", coop_name="Bakery Collective"),
        doc(3, "Rye bread", coop_name="Bakery Collective"),
        doc(4, "Rye bread", coop_name="Mill Street Bakers"),
        doc(5, "Oak chair", coop_name="Alder Works"),
    ]


def test_autocomplete_puts_coop_names_before_listing_titles(search_backend):
    search_backend.index(_bakery())
    suggestions = search_backend.suggest("bak")
    assert all(isinstance(s, Suggestion) for s in suggestions)
    kinds = [s.kind for s in suggestions]
    assert kinds == sorted(kinds, key=lambda kind: kind != "coop")
    assert {s.text for s in suggestions if s.kind == "coop"} == {
        "Bakery Collective",
        "Mill Street Bakers",
    }
    assert {s.text for s in suggestions if s.kind == "listing"} == {
        "Baking course for beginners",
        "Sourdough baking kit",
    }


def test_autocomplete_matches_the_start_of_any_word_but_not_the_middle(search_backend):
    search_backend.index(_bakery())
    assert {s.text for s in search_backend.suggest("kit")} == {"Sourdough baking kit"}
    assert search_backend.suggest("dough") == []


def test_autocomplete_reads_several_typed_words(search_backend):
    search_backend.index(_bakery())
    assert search_backend.suggest("sourdough ba") == [Suggestion("Sourdough baking kit", "listing")]
    assert search_backend.suggest("baking k") == [Suggestion("Sourdough baking kit", "listing")]
    assert search_backend.suggest("Mill Str") == [Suggestion("Mill Street Bakers", "coop")]


def test_autocomplete_is_case_insensitive_beyond_ascii(search_backend):
    search_backend.index(
        [
            doc(1, "Äpfel 'Boskoop' aus eigenem Anbau", language="de"),
            doc(2, "Ullfilt, grå", language="sv", coop_name="Ekhagen Möbelkooperativ"),
        ]
    )
    assert search_backend.suggest("äpf") == [
        Suggestion("Äpfel 'Boskoop' aus eigenem Anbau", "listing")
    ]
    assert search_backend.suggest("ÄPF") == search_backend.suggest("äpf")
    assert search_backend.suggest("MÖBEL") == [Suggestion("Ekhagen Möbelkooperativ", "coop")]


def test_autocomplete_is_case_insensitive(search_backend):
    search_backend.index(_bakery())
    assert search_backend.suggest("RYE") == search_backend.suggest("rye")
    assert search_backend.suggest("rye") == [Suggestion("Rye bread", "listing")]


def test_autocomplete_gives_each_text_once(search_backend):
    search_backend.index(_bakery())
    texts = [s.text for s in search_backend.suggest("b", limit=20)] + [
        s.text for s in search_backend.suggest("ba", limit=20)
    ]
    assert len(texts) == len(set(texts))


def test_autocomplete_needs_at_least_two_characters(search_backend):
    search_backend.index(_bakery())
    assert search_backend.suggest("b") == []
    assert search_backend.suggest("") == []
    assert search_backend.suggest("  ") == []
    assert search_backend.suggest("ba")


def test_autocomplete_gives_at_most_the_limit(search_backend):
    search_backend.index(_bakery())
    assert len(search_backend.suggest("ba", limit=2)) == 2
    assert len(search_backend.suggest("ba")) == 4


# --- keeping the index ---------------------------------------------------------------------


def test_count_is_the_number_of_listings_indexed(search_backend):
    assert search_backend.count() == 0
    search_backend.index([doc(1), doc(2), doc(3)])
    assert search_backend.count() == 3


def test_fingerprints_are_those_of_the_documents_indexed(search_backend):
    documents = [doc(1, "Oak chair"), doc(2, "Pine chair", price_amount=4200)]
    search_backend.index(documents)
    assert search_backend.fingerprints() == {d.id: d.fingerprint() for d in documents}


def test_remove_takes_listings_out_and_ignores_unknown_ids(search_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Oak table"), doc(3, "Oak stool")])
    search_backend.remove([2, 99])
    assert search_backend.count() == 2
    assert found(search_backend, "oak") == {1, 3}
    assert set(search_backend.fingerprints()) == {1, 3}
    search_backend.remove([])
    assert search_backend.count() == 2


def test_indexing_a_listing_again_replaces_it(search_backend):
    search_backend.index([doc(1, "Oak chair", price_amount=1000), doc(2, "Pine chair")])
    changed = doc(1, "Birch chair", price_amount=2000)
    search_backend.index([changed])
    assert search_backend.count() == 2
    assert found(search_backend, "oak") == set()
    assert found(search_backend, "birch") == {1}
    assert found(search_backend, "chair", min_price=1500) == {1}
    assert search_backend.fingerprints()[1] == changed.fingerprint()


def test_a_replaced_listing_leaves_nothing_behind_in_facets_or_autocomplete(search_backend):
    search_backend.index([doc(1, "Oak chair", coop_slug="old", coop_name="Oldtown Joiners")])
    search_backend.index([doc(1, "Birch chair", coop_slug="new", coop_name="Newtown Joiners")])
    assert search(search_backend, "", facets=True).facets["coop"] == {"new": 1}
    assert search_backend.suggest("old") == []
    assert search_backend.suggest("oak") == []


def test_rebuild_swaps_in_exactly_the_new_documents_and_returns_their_count(search_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Oak table")])
    assert search_backend.rebuild([doc(3, "Oak stool"), doc(4, "Pine bench")]) == 2
    assert search_backend.count() == 2
    assert set(search_backend.fingerprints()) == {3, 4}
    assert found(search_backend, "oak") == {3}
    assert search_backend.rebuild(iter([doc(5, "Birch shelf")])) == 1
    assert found(search_backend, "") == {5}


def test_searches_keep_answering_from_the_old_index_during_a_rebuild(search_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Pine chair")])
    during: list[set[int]] = []

    def documents():
        for i in range(3, 203):
            if i == 100:
                during.append(found(search_backend, "chair"))
            yield doc(i, "Birch table")

    assert search_backend.rebuild(documents()) == 200
    assert during == [{1, 2}]
    assert found(search_backend, "chair") == set()
    assert search_backend.count() == 200


def test_rebuild_of_nothing_empties_the_index(search_backend):
    search_backend.index([doc(1, "Oak chair")])
    assert search_backend.rebuild([]) == 0
    assert search_backend.count() == 0
    assert search(search_backend, "oak").total == 0


def test_check_reports_missing_extra_and_stale_listings(search_backend):
    one, two, three = doc(1, "Oak chair"), doc(2, "Pine chair"), doc(3, "Oak table")
    search_backend.index([one, two, three])
    expected = {
        1: one.fingerprint(),
        2: doc(2, "Pine chair", price_amount=5).fingerprint(),
        4: doc(4, "Birch stool").fingerprint(),
    }
    drift = check(search_backend, expected)
    assert drift == Drift(missing=[4], extra=[3], stale=[2])
    assert not check(search_backend, {d.id: d.fingerprint() for d in (one, two, three)})


def test_another_process_sees_what_was_indexed_removed_and_rebuilt(search_backend, second_backend):
    search_backend.index([doc(1, "Oak chair"), doc(2, "Pine chair")])
    assert found(second_backend, "chair") == {1, 2}
    search_backend.index([doc(1, "Birch chair")])
    search_backend.remove([2])
    assert found(second_backend, "chair") == {1}
    assert found(second_backend, "birch") == {1}
    second_backend.rebuild([doc(3, "Elm table")])
    assert found(search_backend, "") == {3}
    assert search_backend.fingerprints() == {3: doc(3, "Elm table").fingerprint()}
    assert search_backend.suggest("elm") == [Suggestion("Elm table", "listing")]


def test_the_writer_lock_can_be_held_while_indexing(search_backend):
    with search_backend.writer_lock():
        search_backend.index([doc(1, "Oak chair")])
        search_backend.remove([1])
        search_backend.index([doc(2, "Oak table")])
    with search_backend.writer_lock():
        pass
    assert found(search_backend, "oak") == {2}


def test_the_writer_lock_lets_one_writer_in_at_a_time(search_backend, second_backend):
    events: list[str] = []
    inside = threading.Event()

    def first_writer() -> None:
        with search_backend.writer_lock():
            inside.set()
            time.sleep(0.3)
            events.append("first out")

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert inside.wait(10)
    with second_backend.writer_lock():
        events.append("second in")
    thread.join(10)
    assert events == ["first out", "second in"]


def test_many_documents_are_indexed_in_one_call(search_backend):
    search_backend.index(doc(i, f"Chair number {i}") for i in range(1, 501))
    assert search_backend.count() == 500
    assert search(search_backend, "chair", per_page=5).total == 500


def test_the_backend_says_its_name(search_backend):
    assert search_backend.name in ("whoosh", "postgres")
    assert re.fullmatch(r"[a-z]+", search_backend.name)
