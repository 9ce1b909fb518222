"""What buyers type, and what they must find near the top: over the seeded demo federation.

The demo is seeded once (it is the same federation on every database) and each engine is
built from it with `rebuild(all_documents())`. Each case names what must be among the
first `top` results: a listing by the start of its title, or `coop:<slug>`,
`label:<slug>`, `category:<slug>` for any listing of that co-op, with that verified
label, or in that category (or below it). The queries are what a buyer would type, typos
included; a failing case shows what the engine found instead.

Then both engines side by side: for the same query and filters they must find the same
listings with the same facet counts, and autocomplete alike (ranking may differ).
"""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from marketplace import create_app
from marketplace.extensions import db
from marketplace.services.search_documents import all_documents
from marketplace.services.seed import seed_demo
from search.backend import ListingDocument, SearchBackend, SearchQuery
from tests.conftest import test_settings as settings_for
from tests.integration.search.conftest import BACKENDS, open_backend


@dataclass
class Demo:
    backend: SearchBackend
    documents: dict[int, ListingDocument]


@pytest.fixture(scope="module")
def demo_documents(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[ListingDocument]:
    """The documents of the seeded demo federation (the same on every database)."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    app = create_app(
        {**settings_for(f"sqlite:///{path}", folder / "instance"), "SEARCH_SYNC": "off"}
    )
    with app.app_context():
        seed_demo()
        documents = list(all_documents())
        db.session.remove()
        db.engine.dispose()
    return documents


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_documents: list[ListingDocument],
) -> Iterator[Demo]:
    """The demo federation indexed by one engine, once for this module."""
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    with open_backend(request.param, folder, request) as backend:
        assert backend.rebuild(demo_documents) == len(demo_documents)
        yield Demo(backend, {d.id: d for d in demo_documents})


@dataclass(frozen=True)
class Case:
    query: str
    #: each must be among the first `top` results (see the module docstring)
    expected: tuple[str, ...]
    top: int = 5


def case(query: str, *expected: str, top: int = 5):
    return pytest.param(Case(query, expected, top), id=query)


CASES = [
    # words from titles, as written
    case("sourdough bread", "Sourdough rye bread, 1 kg", "Sourdough rye bread, 500 g"),
    case("business cards", "Business cards,", top=3),
    case("apple juice", "Cloudy apple juice", top=3),
    case("merino beanie", "Merino wool beanie", top=3),
    case("linen shirt", "Linen shirt, relaxed fit", top=3),
    case("folding bike", "Refurbished Brompton M3L folding bike", top=3),
    case("thinkpad", "Refurbished Lenovo ThinkPad", top=3),
    case("screen replacement", "Smartphone screen replacement", top=3),
    case("sachertorte", "Sachertorte, 18 cm", top=3),
    case("bike service", "Basic bike service", "Full bike service"),
    case("repair while you wait", "Puncture repair while you wait", top=3),
    case("nextcloud", "Nextcloud setup for teams", top=3),
    case("iphone", "Apple iPhone SE", top=3),
    case("fairphone", "Fairphone 3+", top=3),
    case("lebkuchen", "Lebkuchen gift tin", top=3),
    case("christmas", "Christmas stollen", "Christmas biscuit workshop"),
    case("cargo bike print", "Risograph print 'Cargo bikes of Ottensen'", top=3),
    case("translation german to english", "Translation German to English", top=3),
    case("coffee from ethiopia", "Ethiopia Yirgacheffe", top=3),
    case("honey", "Wildflower honey", "Buckwheat honey"),
    case("espresso", "Folkets espresso blend"),
    case("strudel", "Apple strudel, whole", "Poppy seed strudel"),
    # plural and singular
    case("road bikes", "Refurbished Peugeot 10-speed road bike", "Refurbished Cannondale CAAD8"),
    case("notebooks", "Notebook A5", "Notebook A6"),
    case("tea towels", "Linen tea towel", top=3),
    case("egg", "Free-range eggs"),
    case("organic apples", "Apples 'Boskoop'", "Apples 'Topaz'"),
    case("dining chair", "1960s teak dining chairs, pair", "Dining chair seat reupholstery"),
    # German: umlauts, ß, inflected forms
    case("Vollkornbrot", "Vollkornbrot mit Sonnenblumenkernen", top=3),
    case("Kaffeebohnen", "Kaffeebohnen 'Murufer'", top=3),
    case("Äpfel", "Äpfel 'Boskoop' aus eigenem Anbau", top=3),
    case("Apfel", "Äpfel 'Boskoop' aus eigenem Anbau"),
    case("Fahrrad", "Fahrrad-Stadtplan Hamburg", top=3),
    case("Fahrräder", "Fahrrad-Stadtplan Hamburg"),
    case("Grußkarten", "Grußkarten im Buchdruck", top=3),
    case("Grusskarten", "Grußkarten im Buchdruck", top=3),
    case("Visitenkarte", "Visitenkarten, 250 Stück", top=3),
    case("Großmutters Apfelstrudel", "Apfelstrudel nach Großmutters Rezept", top=3),
    case("Eier", "Frische Eier von freilaufenden Hühnern", top=3),
    case("Honig", "Blütenhonig aus dem Wendland"),
    case("Möhren", "Möhren, ungewaschen", top=3),
    case("Kartoffel", "Kartoffeln 'Linda', festkochend"),
    case("Brot backen", "Backkurs: Brot backen mit Sauerteig", top=3),
    case("Notizbuch kariert", "Notizbuch A5, kariert", top=3),
    case("Datenschutz Verein", "Datenschutz-Beratung für kleine Vereine", top=3),
    case("Brezeln", "Laugenbrezeln, 6 Stück", top=3),
    case("Brezeln ohne Salz", "Laugenbrezeln, 6 Stück", top=3),
    # Swedish: å, ä, ö, plural and definite forms
    case("kaffebönor", "Kaffebönor från Etiopien", "Kaffebönor från Honduras", top=3),
    case("kaffeböna", "Kaffebönor från Etiopien", "Kaffebönor från Honduras"),
    case("surdegsbröd", "Fikapaket: surdegsbröd", top=3),
    case("stolar", "Stol i björk, handgjord"),
    case("ullfilt", "Ullfilt, grå", "Sittdyna i ullfilt"),
    case("cykel", "Kaffeprenumeration, 500 g varje månad, levereras med cykel"),
    case("cykeln", "Cykelservice för lastcyklar i trä"),
    case("matbord ek", "Matbord i ek, 180 cm", top=3),
    case("bokhyllor", "Bokhylla i furu", top=3),
    case("kökssoffa", "Kökssoffa i furu", top=3),
    case("kaffekvarn", "Kaffekvarn för hand", top=3),
    case("baristakurs", "Baristakurs för nybörjare", top=3),
    case("möbelrenovering", "Helgkurs i möbelrenovering", top=3),
    case("kanelbulle", "Fikapaket: surdegsbröd, kanelbullar", top=3),
    # typos
    case("cofee grinder", "Hand coffee grinder with ceramic burrs", top=3),
    case("bycicle", "category:bicycles"),
    case("Fahrad", "Fahrrad-Stadtplan Hamburg"),
    case("thinkpda", "Refurbished Lenovo ThinkPad"),
    case("sourdogh bread", "Sourdough rye bread"),
    case("surdegsbrod", "Fikapaket: surdegsbröd"),
    case("Kafeebohnen", "Kaffeebohnen 'Murufer'"),
    case("risograf print", "Risograph print"),
    # co-op names
    case("Backstube Mur", "coop:backstube-mur", top=3),
    case("herstelwerk", "coop:herstelwerk", top=3),
    case("Bryggkooperativet", "coop:bryggkooperativet", top=3),
    case("ekhagen", "coop:ekhagen-mobler", top=3),
    case("lingua commons", "coop:lingua-commons", top=3),
    case("bristol bike", "coop:bristol-bike-coop", top=3),
    # label words
    case("fair trade coffee", "label:fair-trade", top=3),
    case("fair trade", "label:fair-trade", top=3),
    case("organic bread", "Sourdough rye bread"),
    case("organic vegetables", "label:organic", top=3),
    case("handmade", "label:small-handmade"),
    # phrases
    case('"tea towel"', "Linen tea towel", top=3),
    case('"road bike"', "Refurbished Peugeot 10-speed road bike"),
    case('"whole beans" ethiopia', "Ethiopia Yirgacheffe", top=3),
    # category names
    case("furniture restoration", "category:furniture-restoration", top=3),
    case("interpreting", "category:interpreting", top=3),
    case("kitchenware", "category:kitchenware"),
    case("bike parts", "category:bike-parts", top=3),
    # words in every language at once
    case("coffee beans", "coop:bryggkooperativet", top=3),
    case("laptop", "category:laptops-computers", top=3),
]


def _describe(document: ListingDocument) -> str:
    return f"{document.title} ({document.coop_slug})"


def _satisfies(document: ListingDocument, expected: str) -> bool:
    kind, _, value = expected.partition(":")
    if kind == "coop" and value:
        return document.coop_slug == value
    if kind == "label" and value:
        return value in document.labels
    if kind == "category" and value:
        return value in document.category_path
    return document.title.startswith(expected)


@pytest.mark.parametrize("item", CASES)
def test_buyers_find_what_they_typed_near_the_top(demo, item: Case):
    result = demo.backend.query(SearchQuery(text=item.query, per_page=item.top, facets=False))
    top = [demo.documents[hit.id] for hit in result.hits[: item.top]]
    missing = [e for e in item.expected if not any(_satisfies(d, e) for d in top)]
    assert not missing, (
        f"{item.query!r}: {missing} not in the first {item.top}; found "
        f"{[_describe(d) for d in top]} of {result.total}"
        + (f", did you mean {result.suggestion!r}" if result.suggestion else "")
    )


def test_the_relevance_set_is_big_enough():
    assert len(CASES) >= 40


def test_the_demo_has_listings_written_in_german_and_swedish(demo_documents):
    languages = Counter(d.language for d in demo_documents)
    assert languages["de"] >= 25 and languages["sv"] >= 25
    assert languages["en"] > 300
    german = {d.coop_slug for d in demo_documents if d.language == "de"}
    swedish = {d.coop_slug for d in demo_documents if d.language == "sv"}
    assert german == {"netzwerkstatt", "backstube-mur", "elbdruck", "gemuesehof-wendland"}
    assert swedish == {"bryggkooperativet", "ekhagen-mobler"}


@pytest.fixture(scope="module")
def both_engines(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_documents: list[ListingDocument],
) -> Iterator[dict[str, SearchBackend]]:
    """The demo federation on Whoosh and on PostgreSQL at once."""
    folder = tmp_path_factory.mktemp("demo-both")
    with (
        open_backend("whoosh", folder, request) as whoosh,
        open_backend("postgres", folder, request) as postgres,
    ):
        whoosh.rebuild(demo_documents)
        postgres.rebuild(demo_documents)
        yield {"whoosh": whoosh, "postgres": postgres}


SAME_ON_BOTH = [
    *(c.values[0].query for c in CASES),
    "",
    "bread",
    "organic",
    "coffee -decaf",
    "sour*",
    '"whole beans"',
    "worker owned",
]


@pytest.mark.parametrize("text", SAME_ON_BOTH)
@pytest.mark.parametrize(
    "filters",
    [
        pytest.param({}, id="no-filter"),
        pytest.param({"labels": ("organic",)}, id="organic"),
        pytest.param({"categories": ("food-drink",), "max_price": 1500}, id="food-to-15"),
    ],
)
def test_both_engines_find_the_same_listings_and_counts(both_engines, text, filters):
    answers = {}
    for name, backend in both_engines.items():
        result = backend.query(SearchQuery(text=text, per_page=100, **filters))
        answers[name] = (result.total, {hit.id for hit in result.hits}, result.facets)
    whoosh, postgres = answers["whoosh"], answers["postgres"]
    assert postgres[0] == whoosh[0], "total"
    if whoosh[0] <= 100:
        assert postgres[1] == whoosh[1], "listings found"
    assert postgres[2] == whoosh[2], "facet counts"


def _generated_queries(count: int = 150) -> list[tuple[str, dict]]:
    """Queries built from the demo's own words: mistyped, cut to a prefix, excluded, filtered."""
    from marketplace.services import demo_data

    rng = random.Random(5)
    words = sorted(
        {
            w.casefold()
            for row in demo_data.demo_listings(random.Random(42))
            for w in re.findall(r"\w+", row["title"] + " " + row["description"])
            if len(w) >= 3 and not w.isdigit()
        }
    )
    filters = [
        {},
        {},
        {"labels": ("organic",)},
        {"labels": ("worker-owned", "local")},
        {"categories": ("food-drink",)},
        {"coops": ("ekhagen-mobler", "backstube-mur")},
        {"kinds": ("service",), "max_price": 100000},
        {"conditions": ("used",)},
        {"min_price": 500, "max_price": 5000},
    ]
    queries = []
    for _ in range(count):
        parts = []
        for word in rng.sample(words, rng.choice((1, 1, 2, 2, 3))):
            roll = rng.random()
            if roll < 0.25 and len(word) >= 5:
                at = rng.randrange(1, len(word) - 1)
                word = word[:at] + word[at + 1 :]  # a letter left out
            elif roll < 0.35 and len(word) >= 5:
                word = word[: rng.randrange(3, len(word))] + "*"
            elif roll < 0.42:
                word = "-" + word
            parts.append(word)
        queries.append((" ".join(parts), rng.choice(filters)))
    return queries


#: differences between the engines that are known and left for later (see the issue's note)
KNOWN_DIFFERENCES = {
    97: pytest.mark.xfail(
        strict=True,
        reason="'unsre' -> 'unsere' (German stem 'uns'): Whoosh's stemmed fields leave out "
        "stop words, so only PostgreSQL also finds the German listings saying 'von uns'",
    ),
}


@pytest.mark.parametrize(
    ("text", "filters"),
    [
        pytest.param(t, f, id=f"{n:03d}", marks=KNOWN_DIFFERENCES.get(n, ()))
        for n, (t, f) in enumerate(_generated_queries())
    ],
)
def test_both_engines_agree_on_generated_queries(both_engines, text, filters):
    answers = {}
    for name, backend in both_engines.items():
        result = backend.query(SearchQuery(text=text, per_page=100, **filters))
        answers[name] = (result.total, {hit.id for hit in result.hits}, result.facets)
    whoosh, postgres = answers["whoosh"], answers["postgres"]
    assert postgres[0] == whoosh[0], f"total for {text!r}"
    if whoosh[0] <= 100:
        assert postgres[1] == whoosh[1], f"listings found for {text!r}"
    assert postgres[2] == whoosh[2], f"facet counts for {text!r}"


@pytest.mark.parametrize(
    "typed",
    ["co", "cof", "Back", "bryg", "bike", "ref", "Kaff", "kaffe", "stol", "Äpf", "möb", "ull",
     "gr", "lin", "organic", "fair t", "Sourdough r", "Elb", "herst", "ekh", "translation e"],
)  # fmt: skip
def test_both_engines_autocomplete_alike(both_engines, typed):
    answers = {}
    for name, backend in both_engines.items():
        suggestions = backend.suggest(typed, limit=500)
        kinds = [s.kind for s in suggestions]
        assert kinds == sorted(kinds, key=lambda kind: kind != "coop"), name
        answers[name] = {(s.kind, s.text) for s in suggestions}
    assert answers["postgres"] == answers["whoosh"]
