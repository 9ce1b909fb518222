"""The Whoosh engine's own mechanics: files, swaps, segment caches, typo distance."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from search.backend import ListingDocument, SearchError, SearchQuery
from search.fuzzy import allowed_distance
from search.whoosh_backend import POINTER, WhooshBackend
from search.whoosh_fuzzy import Vocabulary, distances


def document(listing_id: int, title: str, description: str = "", **values) -> ListingDocument:
    defaults = {
        "language": "en",
        "coop_slug": "green",
        "coop_name": "Green Co-op",
        "category_path": ("food", "coffee"),
        "category_names": ("Food", "Coffee"),
        "labels": (),
        "label_names": (),
        "kind": "good",
        "condition": "new",
        "region": "north",
        "price_amount": 100 * listing_id,
        "currency": "EUR",
        "created_at": datetime(2025, 1, 1) + timedelta(days=listing_id),
    }
    return ListingDocument(
        id=listing_id, title=title, description=description, **{**defaults, **values}
    )


@pytest.fixture
def backend(tmp_path):
    engine = WhooshBackend(tmp_path / "search")
    yield engine
    engine.close()


def test_a_new_folder_gets_an_empty_index(backend):
    assert backend.count() == 0
    assert backend.query(SearchQuery(text="anything")).total == 0
    assert (backend.folder / POINTER).exists()


def test_index_replace_and_remove_are_seen_by_the_next_query(backend):
    backend.index([document(1, "Red bike"), document(2, "Blue bike")])
    backend.index([document(1, "Red scooter")])
    assert backend.query(SearchQuery(text="bike")).total == 1
    backend.remove([2, 99])
    assert backend.count() == 1
    assert backend.fingerprints() == {1: document(1, "Red scooter").fingerprint()}


def test_another_process_backend_sees_commits_and_swaps(backend, tmp_path):
    other = WhooshBackend(backend.folder)
    try:
        backend.index([document(1, "Red bike")])
        assert other.count() == 1
        assert backend.rebuild([document(2, "Green kettle"), document(3, "Tea pot")]) == 2
        assert other.query(SearchQuery(text="kettle")).total == 1
        assert other.count() == 2
    finally:
        other.close()


def test_results_page_has_facets_sort_and_marked_snippet(backend):
    backend.rebuild(
        [
            document(1, "Red bike", "A <b>bike</b> for the city", labels=("fair-trade",)),
            document(2, "Kids bikes", "Two small bikes", labels=("fair-trade", "organic")),
            document(3, "Coffee", "Beans", category_path=("food",), category_names=("Food",)),
        ]
    )
    result = backend.query(SearchQuery(text="bikes", labels=("fair-trade",), sort="price_desc"))
    assert [h.id for h in result.hits] == [2, 1]
    assert result.facets["label"] == {"fair-trade": 2, "organic": 1}
    assert result.facets["category"] == {"coffee": 2, "food": 2}
    assert "&lt;b&gt;<mark>bike</mark>&lt;/b&gt;" in result.hits[1].snippet


def test_typo_is_corrected_and_suggested(backend):
    backend.index([document(1, "Organic coffee")])
    result = backend.query(SearchQuery(text="cofee"))
    assert result.total == 1
    assert result.suggestion == "coffee"


def test_writer_lock_is_reentrant_within_a_backend(backend):
    with backend.writer_lock(), backend.writer_lock():
        backend.index([document(1, "Red bike")])
    assert backend.count() == 1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("bike", "bike", 0), ("bikse", "bikes", 1), ("bicycle", "bicylce", 1), ("abc", "xyz", 3)],
)
def test_distance_counts_a_swap_as_one_edit(a, b, expected):
    vocabulary = Vocabulary([b])
    assert distances(a, vocabulary.letters, vocabulary.lengths).tolist() == [expected]


def _reference_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook way."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_distances_to_a_whole_vocabulary_agree_with_the_textbook_algorithm():
    rng = random.Random(5)
    letters = "abcåäö"
    terms = sorted({"".join(rng.choices(letters, k=rng.randint(1, 8))) for _ in range(300)})
    vocabulary = Vocabulary(terms)
    for _ in range(40):
        word = "".join(rng.choices(letters, k=rng.randint(1, 8)))
        found = distances(word, vocabulary.letters, vocabulary.lengths).tolist()
        assert found == [_reference_distance(word, term) for term in terms]


def test_vocabulary_finds_close_words_only_within_the_allowed_distance():
    vocabulary = Vocabulary(["bicycle", "bike", "bicycles", "tricycle", "coffee"])
    assert allowed_distance("bik") == 0
    # one swap from "bicycle"; "bicycles" only adds a free inflection letter
    assert dict(vocabulary.near("bicylce", 1)) == {"bicycle": 1, "bicycles": 1}
    assert {t for t, _ in vocabulary.near("bicylce", allowed_distance("bicylce"))} == {
        "bicycle",
        "bicycles",
    }
    assert {t for t, _ in vocabulary.near("bicyclez", 2)} == {"bicycle", "bicycles"}


def test_an_index_of_another_format_asks_for_a_reindex_instead_of_answering(backend):
    backend.index([document(1, "Red bike")])
    folder = backend.folder / (backend.folder / POINTER).read_text()
    (folder / "FORMAT").write_text("listings-0")
    backend.close()
    with pytest.raises(SearchError, match="reindex"):
        backend.query(SearchQuery(text="bike"))
    with pytest.raises(SearchError, match="reindex"):
        backend.index([document(2, "Blue bike")])
    assert backend.rebuild([document(2, "Blue bike")]) == 1
    assert backend.query(SearchQuery(text="bike")).total == 1
