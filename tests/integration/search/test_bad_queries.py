"""Whatever a buyer types, every engine answers with results or none, and never raises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search.backend import (
    MAX_PAGE,
    MAX_PER_PAGE,
    SearchBackend,
    SearchQuery,
    SearchResult,
    Suggestion,
)
from tests.integration.search.conftest import BACKENDS, doc, found, open_backend

BAD_QUERIES = [
    pytest.param('"fair trade', id="unbalanced-quote"),
    pytest.param('coffee "fair trade', id="unbalanced-quote-after-word"),
    pytest.param('"', id="lone-quote"),
    pytest.param('""', id="empty-phrase"),
    pytest.param('"" "" ""', id="empty-phrases"),
    pytest.param("'coffee", id="apostrophe"),
    pytest.param("AND", id="lone-and"),
    pytest.param("OR", id="lone-or"),
    pytest.param("NOT", id="lone-not"),
    pytest.param("-", id="lone-minus"),
    pytest.param("+", id="lone-plus"),
    pytest.param("~", id="lone-tilde"),
    pytest.param("*", id="lone-star"),
    pytest.param("**", id="stars"),
    pytest.param("a*", id="one-letter-prefix"),
    pytest.param("*coffee", id="leading-star"),
    pytest.param("?", id="question-mark"),
    pytest.param("co?fee", id="wildcard-question-mark"),
    pytest.param("- - - + + ~ ~", id="only-operators"),
    pytest.param("-coffee", id="only-excluded"),
    pytest.param("coffee -coffee", id="word-and-its-exclusion"),
    pytest.param("coffee AND", id="trailing-and"),
    pytest.param("a OR", id="trailing-or"),
    pytest.param("NOT coffee", id="leading-not"),
    pytest.param("coffee~", id="fuzzy-syntax"),
    pytest.param("coffee~2", id="fuzzy-syntax-with-distance"),
    pytest.param("+coffee +beans", id="required-syntax"),
    pytest.param("title:foo", id="field-syntax"),
    pytest.param("title:", id="empty-field"),
    pytest.param(":", id="colon"),
    pytest.param("(((", id="open-brackets"),
    pytest.param(")))", id="close-brackets"),
    pytest.param("(coffee OR tea) AND NOT milk", id="boolean-expression"),
    pytest.param("[a TO b]", id="range-syntax"),
    pytest.param("{a TO b}", id="exclusive-range-syntax"),
    pytest.param("price:[0 TO 100]", id="field-range-syntax"),
    pytest.param("foo^3", id="boost-syntax"),
    pytest.param("coffee^", id="empty-boost"),
    pytest.param("%_\\", id="like-wildcards"),
    pytest.param("100%", id="percent"),
    pytest.param("\\", id="backslash"),
    pytest.param("'; DROP TABLE listing; --", id="sql-injection"),
    pytest.param("' OR '1'='1", id="sql-tautology"),
    pytest.param("coffee' UNION SELECT * FROM user --", id="sql-union"),
    pytest.param("coffee & tea | !milk <-> :*", id="tsquery-syntax"),
    pytest.param("!!!", id="exclamation-marks"),
    pytest.param("&", id="ampersand"),
    pytest.param("<->", id="followed-by"),
    pytest.param("a:*", id="tsquery-prefix"),
    pytest.param("$$ $1 %s %(x)s {0}", id="placeholders"),
    pytest.param("<script>alert(1)</script>", id="html"),
    pytest.param("x" * 5000, id="5000-character-word"),
    pytest.param("coffee " * 800, id="5600-characters-of-words"),
    pytest.param(" ".join(f"w{i}" for i in range(300)), id="300-words"),
    pytest.param('"' + "fair trade " * 100 + '"', id="long-phrase"),
    pytest.param("-" + "x" * 500, id="long-excluded-word"),
    pytest.param("x" * 300 + "*", id="long-prefix"),
    pytest.param("coffee\x00beans", id="nul-byte"),
    pytest.param("\x00", id="only-nul"),
    pytest.param("\x01\x02\x1b[31m\x7f", id="control-characters"),
    pytest.param("coffee\r\nbeans\t", id="newlines-and-tabs"),
    pytest.param("\u200b\u200e\ufeff", id="invisible-format-characters"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("\U000f0000", id="private-use"),
    pytest.param("☕ coffee 🚲", id="emoji-and-word"),
    pytest.param("🚲🚲🚲", id="only-emoji"),
    pytest.param("👩🏽‍🔧", id="emoji-sequence"),
    pytest.param("قهوة عضوية", id="arabic"),
    pytest.param("קפה \u202eeeffoc", id="hebrew-and-rtl-override"),
    pytest.param("咖啡豆", id="chinese"),
    pytest.param("ｃｏｆｆｅｅ", id="full-width"),
    pytest.param("Ｃ̧̈o̶f̴f̷e̵e̸", id="combining-marks"),
    pytest.param("   ", id="spaces"),
    pytest.param("", id="empty"),
    pytest.param("0", id="zero"),
    pytest.param("-1", id="negative-number"),
    pytest.param("1e308", id="huge-number"),
    pytest.param("NaN", id="nan"),
    pytest.param("null", id="null"),
    pytest.param("'", id="lone-apostrophe"),
    pytest.param("e-bike t-shirt", id="hyphenated-words"),
    pytest.param("o'clock rock'n'roll", id="apostrophes-in-words"),
    pytest.param("straße ÄÖÜ åäö", id="german-and-swedish-letters"),
]


@pytest.fixture(scope="module", params=BACKENDS)
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchBackend]:
    """Three listings, indexed once per engine: these tests only read."""
    folder = tmp_path_factory.mktemp(f"bad-queries-{request.param}")
    with open_backend(request.param, folder, request) as backend:
        backend.index(
            [
                doc(1, "Fair trade coffee beans", description="Roasted in Malmö & sold <fresh>."),
                doc(2, "Organic tea", language="de", description="Grüner Tee aus Straße 5."),
                doc(3, "Refurbished e-bike", language="sv", description="Cykel med nya däck."),
            ]
        )
        yield backend


@pytest.mark.parametrize("text", BAD_QUERIES)
def test_a_bad_query_gets_an_answer_not_an_error(shop, text):
    result = shop.query(SearchQuery(text=text, facets=True))
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits) >= 0
    assert len(result.hits) <= 20
    assert all(hit.id in (1, 2, 3) for hit in result.hits)
    assert isinstance(result.facets, dict)


@pytest.mark.parametrize("text", BAD_QUERIES)
def test_a_bad_query_with_filters_and_a_sort_gets_an_answer(shop, text):
    query = SearchQuery(
        text=text,
        labels=("fair-trade",),
        coops=("alder",),
        min_price=0,
        max_price=10**9,
        sort="price_desc",
        facets=True,
    )
    result = shop.query(query)
    assert isinstance(result, SearchResult) and result.total == len(result.hits) == 0


@pytest.mark.parametrize("text", BAD_QUERIES)
def test_bad_autocomplete_input_gets_an_answer_not_an_error(shop, text):
    suggestions = shop.suggest(text)
    assert isinstance(suggestions, list)
    assert all(isinstance(s, Suggestion) for s in suggestions)
    assert len(suggestions) <= 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"fair trade', {1}),
        ("coffee AND", {1}),
        ("NOT coffee", {1}),
        ("+coffee", {1}),
        ("coffee~", {1}),
        ("coffee^", {1}),
        ("coffee^3", {1}),
        ("coffee~2", {1}),
        ('coffee -"decaf"', {1}),
        ("(coffee)", {1}),
        ("coffee\x00", {1}),
        ("\x01coffee\x7f", {1}),
        ("☕ coffee", {1}),
        ("coffee -", {1}),
        ("COFFEE * ~", {1}),
        ("e-bike", {3}),
        ("Straße", {2}),
        ("malmö", {1}),
    ],
)
def test_a_query_with_stray_operators_and_characters_still_finds_its_words(shop, text, expected):
    assert found(shop, text) == expected


def test_a_very_long_query_is_read_up_to_its_limit_and_says_so(shop):
    result = shop.query(SearchQuery(text="coffee " + "x" * 5000))
    assert isinstance(result, SearchResult)
    assert "shortened" in result.notices


def test_extreme_pages_and_page_sizes_get_an_answer(shop):
    for page, per_page in ((MAX_PAGE, MAX_PER_PAGE), (1, 1), (MAX_PAGE, 1)):
        result = shop.query(SearchQuery(text="coffee", page=page, per_page=per_page))
        assert result.total == 1
        assert len(result.hits) == (1 if page == 1 else 0)


def test_filter_values_that_look_like_syntax_match_nothing_and_do_not_fail(shop):
    odd = ("' OR '1'='1", "a:b", "*", "%", "(", "\\", "🚲")
    result = shop.query(
        SearchQuery(
            text="",
            labels=odd,
            categories=odd,
            coops=odd,
            regions=odd,
            kinds=odd,
            conditions=odd,
            currencies=odd,
        )
    )
    assert result.total == 0 and result.hits == []
    result = shop.query(SearchQuery(text="coffee", regions=odd))
    assert result.total == 0
